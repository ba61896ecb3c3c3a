#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the ws1002 command-line tool, one case per ctest test:
#   sh tools/cli_test.sh <ws1002 binary> <source dir> <case>
# Every case asserts exact exit statuses and exact lines.
set -u
ws1002=$1
src=$2
case=$3
streams=$src/captures/streams
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
LC_ALL=C
export LC_ALL

fail() {
    echo "FAIL [$case]: $*" >&2
    exit 1
}

# run STATUS ARGS...: run ws1002 (stdin from $tmp/in if it exists), keep
# stdout in $tmp/out and stderr in $tmp/err, and check the exit status.
run() {
    want=$1
    shift
    if [ -f "$tmp/in" ]; then
        "$ws1002" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    else
        "$ws1002" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    fi
    got=$?
    if [ "$got" -ne "$want" ]; then
        cat "$tmp/out" "$tmp/err" >&2
        fail "exit status $got, expected $want: ws1002 $*"
    fi
}

# hex TEXT: standard input for the next runs.
hex() {
    printf '%s\n' "$1" >"$tmp/in"
}

# The output must equal a file.
expect_output() {
    diff -u "$1" "$tmp/out" >&2 || fail "output differs from $1 (- expected, + got)"
}

# The output must hold exactly these lines besides the header and comments;
# columns are compared with runs of spaces squeezed.
expect_lines() {
    grep -v '^#' "$tmp/out" | tr -s ' ' | sed 's/^ //' >"$tmp/got"
    printf '%s\n' "$@" | sed '/^$/d' >"$tmp/want"
    diff -u "$tmp/want" "$tmp/got" >&2 || fail "violations differ (- expected, + got)"
}

expect_summary() {
    tail -n 1 "$tmp/out" >"$tmp/got"
    printf '%s\n' "$1" >"$tmp/want"
    diff -u "$tmp/want" "$tmp/got" >&2 || fail "summary differs"
}

# stderr must be exactly this one line.
expect_error() {
    printf 'ws1002: %s\n' "$1" >"$tmp/want"
    diff -u "$tmp/want" "$tmp/err" >&2 || fail "error message differs (- expected, + got)"
}

expect_no_output() {
    [ ! -s "$tmp/out" ] || fail "unexpected output on stdout"
}

# Build a file with printf octal escapes and runs of filler bytes.
repeat() { # COUNT CHAR
    head -c "$1" /dev/zero | tr '\0' "$2"
}

case $case in
demo)
    run 1 --role server --hex --keep-going "$streams/demo-server.hex"
    expect_output "$streams/demo-server.expected"
    ;;
demo_after_fail)
    run 1 --role server --hex "$streams/demo-server.hex"
    expect_output "$streams/demo-server.after-fail.expected"
    ;;
demo_frames)
    run 1 -r server -x -k -f "$streams/demo-server.hex"
    expect_output "$streams/demo-server.frames.expected"
    ;;
raw_stdin)
    # text frame "C3 28": 0x28 cannot continue C3
    printf '\201\002\303\050' >"$tmp/in"
    run 1 -
    expect_lines "0 3 text-utf8-invalid RFC 6455 §8.1 1007 error"
    expect_summary "# 1 frame, 1 violation, 1 must-fail"
    ;;
raw_large)
    # Frames that straddle the 64 KiB read chunks: binary 70000 bytes @0,
    # text 100000 bytes @70010 with 0xFF at payload offset 60000, then a
    # frame cut short. Read raw, and as hex from od.
    {
        printf '\202\177\000\000\000\000\000\001\021\160'
        repeat 70000 '\000'
        printf '\201\177\000\000\000\000\000\001\206\240'
        repeat 60000 a
        printf '\377'
        repeat 39999 a
        printf '\202\005ab'
    } >"$tmp/big.bin"
    [ "$(wc -c <"$tmp/big.bin")" -eq 170024 ] || fail "test input has the wrong size"
    od -An -v -tx1 "$tmp/big.bin" >"$tmp/big.hex"
    for args in "$tmp/big.bin" "--hex $tmp/big.hex"; do
        # shellcheck disable=SC2086
        run 1 --role server $args
        expect_lines "1 130020 text-utf8-invalid RFC 6455 §8.1 1007 error" \
            "2 170020 after-fail RFC 6455 §7.1.7 - note"
        grep -qxF '# the stream ends inside the payload of frame 2 (2 of 5 bytes)' "$tmp/out" ||
            fail "no truncation note"
        expect_summary "# 3 frames, 2 violations, 1 must-fail"
    done
    # --keep-going resumes after frame 1, in the middle of the third chunk
    run 1 --role server --keep-going "$tmp/big.bin"
    expect_lines "1 130020 text-utf8-invalid RFC 6455 §8.1 1007 error"
    grep -qxF '# the stream ends inside the payload of frame 2 (2 of 5 bytes)' "$tmp/out" ||
        fail "no truncation note"
    expect_summary "# 3 frames, 1 violation, 1 must-fail"
    ;;
clean)
    # text "Hello", Ping, Pong, Close 1000: nothing to report
    hex "81 05 48 65 6c 6c 6f  89 00  8a 00  88 02 03 e8 # done"
    run 0 --role server --hex -
    expect_lines ""
    expect_summary "# 4 frames, 0 violations, 0 must-fail"
    ;;
midstream)
    hex "80 03 61 62 63  81 01 61"
    run 1 --hex -
    expect_lines "0 0 frag-cont-without-start RFC 6455 §5.4 1002 error" \
        "1 5 after-fail RFC 6455 §7.1.7 - note"
    run 0 --hex --midstream -
    expect_lines ""
    ;;
pmd)
    # text with RSV1 (compressed), continuation with RSV1, Ping with RSV1
    hex "41 01 aa  c0 01 bb  c9 00"
    run 1 --hex -
    expect_lines "0 0 frame-rsv-nonzero RFC 6455 §5.2 1002 error [RSV1 set]" \
        "1 3 after-fail RFC 6455 §7.1.7 - note"
    for pmd in --pmd --pmd=server_no_context_takeover,client_max_window_bits=10 \
        "--pmd=permessage-deflate; client_no_context_takeover; server_max_window_bits=8"; do
        run 1 --hex --keep-going "$pmd" -
        expect_lines "1 3 pmd-rsv1-on-continuation RFC 7692 §6.1 1002 error [RSV1 set]" \
            "2 6 pmd-rsv1-on-control RFC 7692 §6.1 1002 error [RSV1 set]"
    done
    ;;
strict)
    hex "81 7e 00 02 6f 6b"
    run 0 --hex -
    expect_lines "0 1 len-not-minimal RFC 6455 §5.2 - warning [length 2]"
    run 1 --hex --strict=len -
    expect_lines "0 1 len-not-minimal RFC 6455 §5.2 1002 error [length 2]"
    hex "88 02 03 f4" # Close 1012
    run 0 --hex -
    expect_lines ""
    run 1 --hex --strict=len,close-1012 -
    expect_lines "0 2 close-code-unassigned RFC 6455 §7.4.2 1002 error [code 1012]"
    hex "88 02 13 88" # Close 5000: must-fail unless read leniently
    run 1 --hex -
    expect_lines "0 2 close-code-undefined RFC 6455 §7.4.2 1002 error [code 5000]"
    run 0 --hex -l close-5000 -
    expect_lines "0 2 close-code-undefined RFC 6455 §7.4.2 - warning [code 5000]"
    run 0 --hex --lenient=all --strict=all -
    expect_lines "0 2 close-code-undefined RFC 6455 §7.4.2 - warning [code 5000]"
    ;;
err_missing_file)
    run 2 --hex "$tmp/missing.hex"
    expect_error "cannot open '$tmp/missing.hex': No such file or directory"
    expect_no_output
    run 2 "$tmp"
    expect_error "cannot read '$tmp': Is a directory"
    ;;
err_odd_hex)
    printf '81 05 48 65\n6c 6c 6f 6\n' >"$tmp/odd.hex"
    run 2 --hex "$tmp/odd.hex"
    expect_error "$tmp/odd.hex: line 2, column 10: odd number of hex digits (a byte needs two)"
    hex "81 05 486 56c 6c 6f"
    run 2 --hex -
    expect_error "<stdin>: line 1, column 9: odd number of hex digits (a byte needs two)"
    hex "81 05 48 65 6c 6c 6#f"
    run 2 --hex -
    expect_error "<stdin>: line 1, column 19: odd number of hex digits (a byte needs two)"
    ;;
err_odd_hex_eof)
    printf '81 00\n8' >"$tmp/in"
    run 2 --hex -
    expect_error "<stdin>: line 2, column 1: odd number of hex digits (a byte needs two)"
    ;;
err_bad_hex_char)
    hex "# a comment may say anything: zz
81 05 48 65 6c 6c 6g"
    run 2 --hex -
    expect_error "<stdin>: line 2, column 20: 'g' is not a hex digit"
    printf '81 05 \303\251' >"$tmp/in"
    run 2 --hex -
    expect_error "<stdin>: line 1, column 7: byte 0xC3 is not a hex digit"
    ;;
err_bad_option)
    run 2 --bogus "$streams/demo-server.hex"
    expect_error "unknown option '--bogus' (see ws1002 --help)"
    expect_no_output
    run 2 -kQ "$streams/demo-server.hex"
    expect_error "unknown option '-Q' (see ws1002 --help)"
    ;;
err_option_value)
    run 2 --hex=yes "$streams/demo-server.hex"
    expect_error "option '--hex' takes no value (see ws1002 --help)"
    run 2 "$streams/demo-server.hex" --role
    expect_error "option '--role' needs a value (see ws1002 --help)"
    run 2 "$streams/demo-server.hex" -r
    expect_error "option '-r' needs a value (see ws1002 --help)"
    ;;
err_bad_role)
    run 2 --role=peer "$streams/demo-server.hex"
    expect_error "--role must be client, server or unknown, not 'peer'"
    ;;
err_bad_strict)
    run 2 --strict=len,close-1013 "$streams/demo-server.hex"
    expect_error "unknown --strict switch 'close-1013' (len, close-1012, all)"
    run 2 --lenient=len "$streams/demo-server.hex"
    expect_error "unknown --lenient switch 'len' (close-5000, all)"
    ;;
err_bad_pmd)
    run 2 --pmd=client_max_window_bits=20 "$streams/demo-server.hex"
    expect_error "--pmd: client_max_window_bits needs a value from 8 to 15, not '20'"
    run 2 --pmd=server_max_window_bits "$streams/demo-server.hex"
    expect_error "--pmd: server_max_window_bits needs a value from 8 to 15, not ''"
    run 2 --pmd=x_webkit_deflate "$streams/demo-server.hex"
    expect_error "--pmd: unknown permessage-deflate parameter 'x_webkit_deflate'"
    ;;
err_no_input)
    run 2 --hex
    expect_error "no input file (use '-' for standard input; see ws1002 --help)"
    run 2 a.hex b.hex
    expect_error "one input file only, got 'a.hex' and 'b.hex'"
    ;;
*)
    fail "unknown case"
    ;;
esac
exit 0
