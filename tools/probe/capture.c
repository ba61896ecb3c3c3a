/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dumpcap, bounded. See capture.h. */
#define _GNU_SOURCE /* pipe2 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

#define START_WAIT 10.0 /* seconds for dumpcap to open the interface */
#define STOP_WAIT  5.0
#define SETTLE     0.5 /* for packets in flight at the start and the end */

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The first line of dumpcap's complaint, for the one-line error. */
static void first_line(const char *text, char *out, size_t cap)
{
    const char *p = text;
    while (*p == '\n' || *p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    snprintf(out, cap, "%.*s", (int)n, p);
}

static bool reap(struct capture *c, double wait, int *status)
{
    double deadline = net_now() + wait;
    while (net_now() < deadline) {
        pid_t r = waitpid(c->pid, status, WNOHANG);
        if (r == c->pid)
            return true;
        if (r < 0)
            return false;
        sleep_s(0.02);
    }
    return false;
}

bool capture_start(struct capture *c, const char *file, const char *iface, uint16_t port, char *err,
                   size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->err_fd = -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "--pcap: pipe: %s", strerror(errno));
        return false;
    }
    char filter[32];
    snprintf(filter, sizeof filter, "tcp port %u", port);
    size_t flen = strlen(file);
    bool pcap = flen > 5 && strcmp(file + flen - 5, ".pcap") == 0;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "--pcap: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        /* Its own process group: a ^C at the terminal reaches the probe,
         * which then stops dumpcap itself. */
        setpgid(0, 0);
        const char *argv[] = {"dumpcap",          "-q", "-i", iface, "-f", filter, "-w", file,
                              pcap ? "-P" : NULL, NULL};
        execvp("dumpcap", (char *const *)argv);
        fprintf(stderr, "exec: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    c->pid = pid;
    c->err_fd = fds[0];

    /* dumpcap says "Capturing on ..." once the interface is open. */
    char text[4096] = "";
    size_t have = 0;
    double deadline = net_now() + START_WAIT;
    while (!strstr(text, "Capturing on")) {
        struct pollfd p = {.fd = c->err_fd, .events = POLLIN};
        double left = deadline - net_now();
        if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0) {
            snprintf(err, errlen, "--pcap: dumpcap did not start capturing on %s within %.0f s",
                     iface, START_WAIT);
            capture_stop(c, NULL, 0);
            return false;
        }
        ssize_t k = read(c->err_fd, text + have, sizeof text - 1 - have);
        if (k <= 0) {
            int status = 0;
            reap(c, STOP_WAIT, &status);
            c->pid = 0;
            close(c->err_fd);
            c->err_fd = -1;
            char line[200];
            first_line(text, line, sizeof line);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && strstr(text, "exec:"))
                snprintf(err, errlen,
                         "--pcap: dumpcap not found (Debian: apt-get install tshark, or "
                         "wireshark-common)");
            else
                snprintf(err, errlen, "--pcap: dumpcap cannot capture on %s: %s", iface,
                         line[0] ? line : "it exited at once");
            return false;
        }
        have += (size_t)k;
        text[have] = '\0';
    }
    /* It may still give up: "Capturing on" comes before the interface is
     * opened, so a missing permission shows only now. */
    sleep_s(SETTLE);
    int status = 0;
    if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
        c->pid = 0;
        fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
        ssize_t k = read(c->err_fd, text + have, sizeof text - 1 - have);
        text[have + (k > 0 ? (size_t)k : 0)] = '\0';
        close(c->err_fd);
        c->err_fd = -1;
        char line[200];
        const char *after = strchr(strstr(text, "Capturing on"), '\n');
        first_line(after ? after : "", line, sizeof line);
        snprintf(err, errlen, "--pcap: dumpcap cannot capture on %s: %s", iface,
                 line[0] ? line : "it stopped at once");
        return false;
    }
    return true;
}

bool capture_stop(struct capture *c, char *err, size_t errlen)
{
    if (c->pid <= 0)
        return true;
    sleep_s(SETTLE);
    kill(c->pid, SIGINT);
    int status = 0;
    bool ended = reap(c, STOP_WAIT, &status);
    if (!ended) {
        kill(c->pid, SIGKILL);
        reap(c, STOP_WAIT, &status);
    }
    char text[4096] = "";
    if (c->err_fd >= 0) {
        fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
        ssize_t k = read(c->err_fd, text, sizeof text - 1);
        text[k > 0 ? k : 0] = '\0';
        close(c->err_fd);
        c->err_fd = -1;
    }
    const char *pc = strstr(text, "Packets captured: ");
    if (pc)
        first_line(pc, c->packets, sizeof c->packets);
    c->pid = 0;
    bool ok = ended && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && err) {
        /* Its complaint follows the "Capturing on" line. */
        const char *after = strstr(text, "Capturing on");
        after = after ? strchr(after, '\n') : text;
        char line[200];
        first_line(after ? after : "", line, sizeof line);
        snprintf(err, errlen, "--pcap: dumpcap %s%s%s",
                 ended ? "ended with an error" : "had to be killed", line[0] ? ": " : "", line);
    }
    return ok;
}
