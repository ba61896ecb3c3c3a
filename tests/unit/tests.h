/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test groups of wsv_unit; each returns cmocka's group result. */
#ifndef WSV_TEST_TESTS_H
#define WSV_TEST_TESTS_H

int run_rules_tests(void);
int run_stream_tests(void);
int run_forensics_tests(void);
int run_encode_tests(void);

#endif
