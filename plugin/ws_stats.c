/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_stats: the per-connection summary as a statistics table. See ws_stats.h.
 *
 * One row per connection, in the order the capture first shows it, with only
 * what says something about it: the endpoints, whether the handshake was
 * captured and what it negotiated, how many findings and which rules, and
 * who closed with which code, explained or not. A stats tree would add its
 * generic columns (rate, percent, burst) to every line and sort connections
 * by count; a table has the columns it declares, and the GUI sorts it by the
 * first one, the connection's number.
 */
#include "ws_stats.h"

#include <stdio.h>

#include <epan/address.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

enum {
    COL_NUM,
    COL_CLIENT,
    COL_SERVER,
    COL_HANDSHAKE,
    COL_EXTENSIONS,
    COL_FINDINGS,
    COL_RULES,
    COL_CLOSES,
    COL_COUNT
};

static stat_tap_table_item ws_stats_fields[COL_COUNT] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "#", "%-3u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%-24s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%-24s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Handshake", "%-12s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Extensions", "%-10s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Findings", "%-8u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Rules broken (by, frame)", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closes", "%s"},
};

/* One rule broken on a connection, by one side. */
struct ws_stats_rule {
    uint8_t rule;
    bool from_client;
    unsigned count;
    uint32_t first; /* packet of the first finding */
};

/* What the table knows of one connection. */
struct ws_stats_conn {
    unsigned row;
    unsigned findings;
    GArray *rules;   /* struct ws_stats_rule, in order of first finding */
    GString *closes; /* "; "-separated, in capture order */
};

static int ws_tap_id = -1;
/* rec->conn -> struct ws_stats_conn, for the rows of the current table */
static GHashTable *ws_conns;

bool ws_stats_wanted(void)
{
    return ws_tap_id >= 0 && have_tap_listener(ws_tap_id);
}

void ws_stats_queue(packet_info *pinfo, const struct ws_stats_rec *rec)
{
    tap_queue_packet(ws_tap_id, pinfo, rec);
}

static void ws_conn_free(gpointer p)
{
    struct ws_stats_conn *c = p;

    g_array_free(c->rules, TRUE);
    g_string_free(c->closes, TRUE);
    g_free(c);
}

static void ws_conns_clear(void)
{
    if (ws_conns)
        g_hash_table_remove_all(ws_conns);
    else
        ws_conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ws_conn_free);
}

static void ws_stats_free_item(stat_tap_table *table _U_, guint row _U_, guint column,
                               stat_tap_table_item_type *field)
{
    if (ws_stats_fields[column].type == TABLE_ITEM_STRING) {
        g_free((char *)field->value.string_value);
        field->value.string_value = NULL;
    }
}

/* Empties the table: its rows go, and with them what was known of each
 * connection. */
static void ws_stats_reset(stat_tap_table *table)
{
    for (guint r = 0; r < table->num_elements; r++) {
        for (guint k = 0; k < table->num_fields; k++)
            ws_stats_free_item(table, r, k, &table->elements[r][k]);
        g_free(table->elements[r]);
    }
    g_free(table->elements);
    table->elements = NULL;
    table->num_elements = 0;
    ws_conns_clear();
}

/* Called before every run over the packets (a dialog opening or refiltering,
 * tshark starting): one empty table. The records come from the first pass's
 * records on every pass, with or without a protocol tree. */
static void ws_stats_init(stat_tap_table_ui *ui)
{
    if (ui->tables && ui->tables->len) {
        ws_stats_reset(g_array_index(ui->tables, stat_tap_table *, 0));
    } else {
        stat_tap_add_table(ui, stat_tap_init_table("WebSocket connections", COL_COUNT, 0, NULL));
        ws_conns_clear();
    }
}

static void ws_set_string(stat_tap_table *t, unsigned row, unsigned col, char *s)
{
    stat_tap_table_item_type *f = stat_tap_get_field_data(t, row, col);

    g_free((char *)f->value.string_value);
    f->value.string_value = s;
}

static char *ws_endpoint(const struct ws_stats_rec *r, const address *a, uint32_t port)
{
    char *addr = address_to_str(NULL, a);
    const char *role = !r->roles_known ? " (role unknown)" : r->roles_inferred ? " (inferred)" : "";
    char *s = g_strdup_printf("%s:%u%s", addr, port, role);

    wmem_free(NULL, addr);
    return s;
}

static char *ws_extensions(const struct ws_stats_rec *r)
{
    const struct wsv_pmd *p = &r->pmd;

    if (!p->enabled)
        return g_strdup("none");
    if (r->pmd_inferred)
        return g_strdup("unknown (permessage-deflate assumed)");
    return g_strdup_printf("permessage-deflate (server window %u%s, client window %u%s)",
                           p->server_max_window_bits ? p->server_max_window_bits : 15,
                           p->server_no_context_takeover ? ", no context takeover" : "",
                           p->client_max_window_bits ? p->client_max_window_bits : 15,
                           p->client_no_context_takeover ? ", no context takeover" : "");
}

/* A new row for the connection of r, numbered in capture order. */
static struct ws_stats_conn *ws_conn_add(stat_tap_table *t, const struct ws_stats_rec *r)
{
    struct ws_stats_conn *c = g_new0(struct ws_stats_conn, 1);
    stat_tap_table_item_type items[COL_COUNT];

    c->row = t->num_elements;
    c->rules = g_array_new(FALSE, FALSE, sizeof(struct ws_stats_rule));
    c->closes = g_string_new(NULL);
    memset(items, 0, sizeof items);
    for (unsigned k = 0; k < COL_COUNT; k++)
        items[k].type = ws_stats_fields[k].type;
    items[COL_NUM].value.uint_value = c->row + 1;
    items[COL_CLIENT].value.string_value = ws_endpoint(r, r->client, r->client_port);
    items[COL_SERVER].value.string_value = ws_endpoint(r, r->server, r->server_port);
    items[COL_HANDSHAKE].value.string_value = g_strdup(r->handshake ? "captured" : "not captured");
    items[COL_EXTENSIONS].value.string_value = ws_extensions(r);
    items[COL_RULES].value.string_value = g_strdup("");
    items[COL_CLOSES].value.string_value = g_strdup("");
    stat_tap_init_table_row(t, c->row, COL_COUNT, items);
    g_hash_table_insert(ws_conns, (gpointer)r->conn, c);
    return c;
}

static void ws_count_rules(struct ws_stats_conn *c, const struct ws_stats_rec *r, uint32_t pnum)
{
    for (unsigned k = 0; k < r->nrules; k++) {
        struct ws_stats_rule *e = NULL;

        for (guint i = 0; i < c->rules->len && !e; i++) {
            struct ws_stats_rule *x = &g_array_index(c->rules, struct ws_stats_rule, i);
            if (x->rule == r->rules[k] && x->from_client == r->from_client)
                e = x;
        }
        if (!e) {
            struct ws_stats_rule n = {r->rules[k], r->from_client, 0, pnum};
            g_array_append_val(c->rules, n);
            e = &g_array_index(c->rules, struct ws_stats_rule, c->rules->len - 1);
        }
        e->count++;
        c->findings++;
    }
}

/* "frame-rsv-nonzero (server, frame 7); after-fail ×2 (server, first in frame 9)" */
static char *ws_rules_text(const struct ws_stats_conn *c, bool roles_known)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < c->rules->len; i++) {
        const struct ws_stats_rule *e = &g_array_index(c->rules, struct ws_stats_rule, i);
        const struct wsv_rule_info *ri = wsv_rule_get((enum wsv_rule)e->rule);
        const char *by = !roles_known     ? (e->from_client ? "A" : "B")
                         : e->from_client ? "client"
                                          : "server";

        g_string_append_printf(s, "%s%s", i ? "; " : "", ri ? ri->id : "?");
        if (e->count > 1)
            g_string_append_printf(s, " \xc3\x97%u (%s, first in frame %u)", e->count, by,
                                   e->first);
        else
            g_string_append_printf(s, " (%s, frame %u)", by, e->first);
    }
    return g_string_free(s, FALSE);
}

static void ws_add_closes(struct ws_stats_conn *c, const struct ws_stats_rec *r)
{
    const char *who = !r->roles_known  ? (r->from_client ? "A" : "B")
                      : r->from_client ? "client"
                                       : "server";
    const char *peer = !r->roles_known  ? (r->from_client ? "B" : "A")
                       : r->from_client ? "server"
                                        : "client";

    for (unsigned k = 0; k < r->nclose; k++) {
        const struct ws_stats_close *cl = &r->close[k];

        if (c->closes->len)
            g_string_append(c->closes, "; ");
        g_string_append_printf(c->closes, "%s in frame %u: ", who, cl->pnum);
        if (cl->has_code)
            g_string_append_printf(c->closes, "%u", cl->code);
        else
            g_string_append(c->closes, "no status code");
        if (cl->cause)
            g_string_append_printf(c->closes, ", explained by frame %u (%s)", cl->cause,
                                   cl->cause_rule ? cl->cause_rule : "?");
        else if (cl->unexplained)
            g_string_append(c->closes, ", unexplained");
        else if (cl->reply)
            g_string_append(c->closes, " (answer)");
    }
    for (unsigned k = 0; k < r->ndrop; k++) {
        if (c->closes->len)
            g_string_append(c->closes, "; ");
        g_string_append_printf(c->closes, "%s TCP %s in frame %u, failing on frame %u (%s)", peer,
                               r->drop[k].rst ? "RST" : "FIN", r->drop[k].pnum,
                               r->drop[k].violation, r->drop[k].rule);
    }
}

static tap_packet_status ws_stats_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                         const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = tapdata;
    const struct ws_stats_rec *r = data;
    struct ws_stats_conn *c;
    stat_tap_table *t;

    if (!sd->stat_tap_data->tables || !sd->stat_tap_data->tables->len || !ws_conns)
        return TAP_PACKET_DONT_REDRAW;
    t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    c = g_hash_table_lookup(ws_conns, r->conn);
    if (!c)
        c = ws_conn_add(t, r);
    else if (!r->nrules && !r->nclose && !r->ndrop)
        return TAP_PACKET_DONT_REDRAW;
    if (r->nrules) {
        ws_count_rules(c, r, pinfo->num);
        stat_tap_get_field_data(t, c->row, COL_FINDINGS)->value.uint_value = c->findings;
        ws_set_string(t, c->row, COL_RULES, ws_rules_text(c, r->roles_known));
    }
    if (r->nclose || r->ndrop) {
        ws_add_closes(c, r);
        ws_set_string(t, c->row, COL_CLOSES, g_strdup(c->closes->str));
    }
    return TAP_PACKET_REDRAW;
}

/* Statistics > WebSocket ws1002 in the GUI, -z ws1002,tree in both. */
static stat_tap_table_ui ws_stats_ui = {
    .group = REGISTER_PACKET_STAT_GROUP_UNSORTED,
    .title = "WebSocket ws1002",
    .tap_name = "ws1002",
    .cli_string = "ws1002,tree",
    .stat_tap_init_cb = ws_stats_init,
    .packet_func = ws_stats_packet,
    .stat_tap_reset_table_cb = ws_stats_reset,
    .stat_tap_free_table_item_cb = ws_stats_free_item,
    .nfields = COL_COUNT,
    .fields = ws_stats_fields,
};

void ws_stats_register(void)
{
    ws_tap_id = register_tap("ws1002");
    register_stat_tap_table_ui(&ws_stats_ui);
}
