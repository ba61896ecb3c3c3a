/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-records.c: what the first pass leaves for the later ones. The
 * validator core runs once, on the first pass, in capture order; every later
 * pass (tshark -2, GUI clicks in any order, sharkd) shows the same verdicts
 * from these records:
 *
 *   - findings and links, 24 bytes each, and where each frame's header lies
 *     (12 bytes a frame), in file-scoped tables in packet order: entries of
 *     one size, each starting with its packet number, found by binary
 *     search. No allocation per packet (proto data would cost some 60 bytes
 *     a packet);
 *   - an opening-handshake head, as proto data of its (rare) packet.
 *
 * A reaction comes later in the capture than its violation: the violation's
 * stored link is amended when it does. Like Wireshark's own response-in
 * links, ws.close.reaction therefore shows on a second pass (tshark -2, the
 * GUI), not in a single pass that has already printed the violating frame.
 */
#include "packet-ws-int.h"

#include <string.h>

#include <epan/proto_data.h>

/* Proto data key of the handshake head a packet carries (the heuristic's
 * keys differ). */
enum { WS_KEY_HEAD };

struct ws_table {
    uint8_t *e;
    uint32_t n, cap, size;
};

static struct ws_table ws_places = {NULL, 0, 0, sizeof(struct ws1002_where)};
static struct ws_table ws_found = {NULL, 0, 0, sizeof(struct wsv_finding)};
static struct ws_table ws_linked = {NULL, 0, 0, sizeof(struct wsv_link)};
/* The last packet stored. */
static uint32_t ws_last;

void ws1002_records_init(void)
{
    struct ws_table *t[] = {&ws_places, &ws_found, &ws_linked};

    /* The entries were file scope: gone with the file. */
    for (unsigned i = 0; i < array_length(t); i++) {
        t[i]->e = NULL;
        t[i]->n = t[i]->cap = 0;
    }
    ws_last = 0;
}

static uint32_t table_pnum(const struct ws_table *t, uint32_t i)
{
    uint32_t pnum;

    memcpy(&pnum, t->e + (size_t)i * t->size, sizeof pnum);
    return pnum;
}

static void *table_at(const struct ws_table *t, uint32_t i)
{
    return t->e + (size_t)i * t->size;
}

/* Appends packet pnum's count entries. A packet seen again on the first pass
 * (tshark -2 -R reuses the number of a packet the read filter dropped)
 * replaces its entries. The table grows by doubling: the part not yet
 * written is never touched, so costs no memory. */
static void table_add(struct ws_table *t, uint32_t pnum, const void *e, unsigned count)
{
    while (t->n && table_pnum(t, t->n - 1) >= pnum)
        t->n--;
    if (!count)
        return;
    if (t->cap - t->n < count) {
        t->cap = MAX(2 * t->cap, t->n + count + 1024);
        t->e = (uint8_t *)wmem_realloc(wmem_file_scope(), t->e, (size_t)t->cap * t->size);
    }
    memcpy(table_at(t, t->n), e, (size_t)count * t->size);
    t->n += count;
}

/* The entries of packet pnum, their number in *n. */
static const void *table_find(const struct ws_table *t, uint32_t pnum, unsigned *n)
{
    uint32_t lo = 0, hi = t->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (table_pnum(t, mid) < pnum)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (hi = lo; hi < t->n && table_pnum(t, hi) == pnum; hi++)
        ;
    *n = hi - lo;
    return *n ? table_at(t, lo) : NULL;
}

void ws1002_records_store(struct ws1002_pkt *pk, packet_info *pinfo)
{
    /* Most packets (ACKs, a frame's middle) have nothing, and no entries of
     * their number to replace. */
    if (!pk->nw && !pk->n && !pk->nl && !pk->head && pinfo->num > ws_last)
        return;
    ws_last = pinfo->num;
    table_add(&ws_places, pinfo->num, pk->w, pk->nw);
    table_add(&ws_found, pinfo->num, pk->f, pk->n);
    table_add(&ws_linked, pinfo->num, pk->l, pk->nl);
    if (pk->head)
        p_add_proto_data(wmem_file_scope(), pinfo, proto_ws, WS_KEY_HEAD,
                         wmem_memdup(wmem_file_scope(), pk->head, sizeof *pk->head));
}

void ws1002_records_react(uint32_t pnum, uint32_t frame, uint32_t reaction, uint16_t rcode,
                          uint8_t flags)
{
    unsigned n;
    struct wsv_link *l = (struct wsv_link *)table_find(&ws_linked, pnum, &n);

    for (unsigned k = 0; l && k < n; k++) {
        if (l[k].frame != frame)
            continue;
        l[k].reaction = reaction;
        l[k].rcode = rcode;
        l[k].flags |= flags;
        return;
    }
}

const struct wsv_finding *ws1002_records_findings(uint32_t pnum, unsigned *n)
{
    return (const struct wsv_finding *)table_find(&ws_found, pnum, n);
}

const struct wsv_link *ws1002_records_links(uint32_t pnum, unsigned *n)
{
    return (const struct wsv_link *)table_find(&ws_linked, pnum, n);
}

const struct ws1002_where *ws1002_records_places(uint32_t pnum, unsigned *n)
{
    return (const struct ws1002_where *)table_find(&ws_places, pnum, n);
}

const struct ws1002_head *ws1002_records_head(packet_info *pinfo)
{
    return (const struct ws1002_head *)p_get_proto_data(wmem_file_scope(), pinfo, proto_ws,
                                                        WS_KEY_HEAD);
}

unsigned ws1002_src_index(packet_info *pinfo, tvbuff_t *ds)
{
    unsigned j = 0;

    for (GSList *l = pinfo->data_src; l && j < WS1002_NO_SRC; l = l->next, j++)
        if (get_data_source_tvb((const struct data_source *)l->data) == ds)
            return j;
    return WS1002_NO_SRC;
}

tvbuff_t *ws1002_src_tvb(packet_info *pinfo, unsigned src, uint64_t end)
{
    const struct data_source *d =
        src == WS1002_NO_SRC ? NULL
                             : (const struct data_source *)g_slist_nth_data(pinfo->data_src, src);
    tvbuff_t *ds = d ? get_data_source_tvb(d) : NULL;

    return ds && end <= tvb_captured_length(ds) ? ds : NULL;
}
