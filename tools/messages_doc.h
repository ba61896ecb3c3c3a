/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The message guide, docs/messages.md (see messages_doc.c). */
#ifndef WS1002_MESSAGES_DOC_H
#define WS1002_MESSAGES_DOC_H

/* Print the page; 1 (after a message on stderr) if a row of the reason table
 * names a source the page does not know, 0 otherwise. */
int print_messages_markdown(void);

#endif
