/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A main() for the fuzz targets without libFuzzer: runs the target once on
 * every file named (directories: every regular file in them, sorted), so
 * that any compiler can replay the corpus and the regression inputs as a
 * test. FUZZ_VERBOSE=1 prints every event. Exit status: 0 if every input
 * ran (a broken invariant aborts), 2 on a usage or I/O error or no input.
 */
#define _DEFAULT_SOURCE
#include "fuzz_check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        perror(path);
        free(buf);
        return -1;
    }
    if (fz_verbose)
        fprintf(stderr, "== %s (%zu bytes)\n", path, len);
    /* An exact-size copy, as libFuzzer hands it over. */
    uint8_t *in = malloc(len ? len : 1);
    if (!in)
        abort();
    memcpy(in, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(in, len);
    free(in);
    return 1;
}

static int cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, cmp), count = 0;
    if (n < 0) {
        perror(path);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char sub[4096];
        struct stat sst;
        snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
        if (ents[i]->d_name[0] != '.' && stat(sub, &sst) == 0 && S_ISREG(sst.st_mode)) {
            int r = run_file(sub);
            if (r < 0)
                count = -1;
            else if (count >= 0)
                count += r;
        }
        free(ents[i]);
    }
    free(ents);
    return count;
}

int main(int argc, char **argv)
{
    const char *v = getenv("FUZZ_VERBOSE");
    fz_verbose = v && *v && strcmp(v, "0") != 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
        return 2;
    }
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int r = run_path(argv[i]);
        if (r < 0)
            return 2;
        total += r;
    }
    printf("%s: %d inputs replayed, no invariant broken\n", argv[0], total);
    return total > 0 ? 0 : 2;
}
