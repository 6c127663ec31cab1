#!/usr/bin/env bash
# Tests for the test tools themselves, without Pagoda:
#  1. mkiso.sh + qemu.sh boot a tiny multiboot2 kernel (mb2echo.S) in the
#     real QEMU, which echoes the command line GRUB gives it;
#  2. harness.py runs against the fake qemu-system-x86_64 beside this file
#     in each way a kernel can go wrong.
# Usage: tests/fake/selftest.sh     (takes about a minute)
set -uo pipefail

fake=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$fake")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pagoda-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0 count=0

check() {   # check NAME COMMAND...: one TAP line for whether COMMAND succeeds
    local name=$1
    # "  ... more" continues the check before it: name it in full.
    if [[ $name == "  ... "* ]]; then name="$last_check, ${name#  ... }"; else last_check=$name; fi
    count=$((count + 1))
    if "${@:2}"; then echo "ok $count - $name"; else echo "not ok $count - $name"; failures=$((failures + 1)); fi
}
has() { grep -qxF -- "$1" "$out" || { echo "# missing line: $1"; sed 's/^/#   /' "$out"; false; }; }

# --- 1. the real QEMU and GRUB --------------------------------------------
gcc -m32 -nostdlib -static -Wl,-Ttext=0x100000 -Wl,--build-id=none -Wl,-n \
    -o "$tmp/mb2echo.elf" "$fake/mb2echo.S" 2>/dev/null
printf 'an initramfs' >"$tmp/initrd.cpio"
# shellcheck disable=SC2016  # $HOME must reach the kernel unexpanded
"$tests/mkiso.sh" --module "$tmp/initrd.cpio" "$tmp/mb2echo.elf" "$tmp/echo.iso" \
    'ktest=*' 'a b' "it's" '$HOME'
check "mkiso.sh builds an ISO" test -s "$tmp/echo.iso"
out=$tmp/echo.out
timeout 20 "$tests/qemu.sh" --test "$tmp/echo.iso" </dev/null | tr -d '\r' >"$out"
check "qemu.sh --test: the kernel's write to port 0xf4 makes QEMU exit 1" test "${PIPESTATUS[0]}" = 1
# GRUB re-quotes arguments for the kernel the way Linux's command line does.
# shellcheck disable=SC1003,SC2016
check "the command line reaches the kernel literally" has 'mb2echo cmdline=[ktest=* "a b" it\'"'"'s $HOME]'
check "a module's string is its name" has 'mb2echo module=[initrd.cpio]'
fails_saying() { ! "${@:2}" >"$tmp/err" 2>&1 && grep -q -- "$1" "$tmp/err"; }
check "mkiso.sh fails clearly on a missing kernel" \
    fails_saying 'no such kernel' "$tests/mkiso.sh" /nonexistent "$tmp/x.iso"
check "qemu.sh fails clearly on a missing ISO" \
    fails_saying 'no such ISO' "$tests/qemu.sh" --test "$tmp/none.iso"

# --- 2. the harness against the fake QEMU ---------------------------------
echo 'not a kernel' >"$tmp/kernel.elf"
truncate -s 8M "$tmp/rootfs.img" && mkfs.ext2 -q -F "$tmp/rootfs.img"   # the "root disk" beside it
harness() {   # harness EXPECTED_STATUS VAR=VALUE... -- HARNESS ARGS...
    local want=$1; shift
    local vars=(); while [[ $1 != -- ]]; do vars+=("$1"); shift; done; shift
    out=$tmp/harness.out
    env PATH="$fake:$PATH" "${vars[@]}" python3 "$tests/harness.py" \
        --kernel "$tmp/kernel.elf" --keep-logs "$tmp/logs" --timeout 4 --no-selftest \
        --peer "$fake/peer-run" "$@" >"$out" 2>&1
    local got=$?
    [[ $got == "$want" ]] || { echo "# harness exited $got, expected $want"; sed 's/^/#   /' "$out"; return 1; }
}

# The totals count two results for each of harness.py's EXT2_PROGRAMS, one
# for each NAIVE_DEADLOCK_TESTS entry, a "no lock validator report" for
# each boot suite, and the host checks of each suite (wb_suites.py too):
# they change when those do.
# (The fake QEMU has no shell to type at: the shell suite is left out.)
check "all pass" harness 0 -- --skip-suites 'shell on pagoda'
check "  ... with every check and the closing line" has '101 passed, 0 failed'
check "  ... with the disk image checked" grep -q '^ok [0-9]* - blk/the scratch image holds the pattern' "$out"
check "  ... and Linux's image too" grep -q '^ok [0-9]* - blk-linux/the scratch image holds the pattern' "$out"
check "  ... with a boot time" grep -q '^# boot time: [0-9.]* s from QEMU start to the first test line$' "$out"
check "fail, panic and hang mid-test" \
    harness 1 FAKE_KTEST=buddy_split:fail,slab_alloc:panic,sched_yield:hang -- --filter '*'
check "  ... a failing test" has 'not ok 2 - ktest/buddy_split # expected 4096, got 0'
check "  ... a panic" has 'not ok 3 - ktest/slab_alloc # panic'
check "  ... with the log tail" has '#     [<ffffffff80100000>] deliberate_null_deref+0x1c/0x80'
check "  ... a hang, after a boot without slab_alloc" has 'not ok 5 - ktest/sched_yield # hang (timeout 4s)'
check "  ... the boot without both runs the rest" has 'ok 6 - ktest/timer_tick'
check "  ... the summary" has '# failed: ktest/buddy_split, ktest/slab_alloc, ktest/sched_yield'
check "  ... the closing line" has '4 passed, 3 failed'
check "  ... logs for every boot" test -s "$tmp/logs/ktest-skip2.log"
check "boot hangs" harness 1 FAKE_BOOT=hang -- --filter '*'
check "  ... reported as boot" has 'not ok 1 - ktest/boot # hang (timeout 4s) before the suite started'
check "triple fault" harness 1 FAKE_BOOT=triple -- --filter '*'
check "  ... reported as boot" has 'not ok 1 - ktest/boot # exit status 0 (triple fault or reset) before the suite started'
check "triple fault mid-test" harness 1 FAKE_KTEST=vmm_map:triple -- --filter '*'
check "  ... reported, the rest run" has 'ok 6 - ktest/timer_tick'
check "a lost result line" harness 1 FAKE_KTEST=vmm_map:lost -- --filter '*'
check "  ... is noticed" grep -q '^not ok 6 - ktest/protocol # kernel says 6 passed' "$out"
check "a kernel ignoring ktest_skip" harness 1 FAKE_KTEST=vmm_map:hang FAKE_IGNORE_SKIP=1 -- --filter '*'
check "  ... does not loop" grep -q '^not ok 5 - ktest/end of run # .* in vmm_map' "$out"
check "broken deliberate failures" harness 1 FAKE_BROKEN=harness_hang,panic_wx_text_write -- --suites 'harness checks*'
check "  ... fail their checks" has '5 passed, 2 failed'
check "  ... with the reason" has 'not ok 4 - harness catches a hang # expected a hang, got exit status 1 (all passed)'
check "a pattern that never reached the disk" harness 1 FAKE_DISK_BROKEN=1 -- --suites 'blk on pagoda'
check "  ... is caught from the host" grep -q '^not ok [0-9]* - blk/the scratch image holds the pattern written inside Pagoda (host check) # first difference at byte 0' "$out"
check "--filter narrows the self-tests" harness 0 -- --filter 'vmm_*,timer_*'
check "  ... to those" has '3 passed, 0 failed'
check "an unexpected lock validator report" harness 1 FAKE_LOCKDEP=user -- --suites 'user on pagoda'
check "  ... fails the suite's boots" grep -q '^not ok [0-9]* - user/no lock validator or hung-task report # WARNING: possible circular' "$out"
check "a naive-path deadlock nobody reports" harness 1 FAKE_NAIVE=missed -- --suites 'naive*'
check "  ... is not caught" grep -q '^not ok [0-9]* - naive-write/write_from_fresh_shared_mappings_of_the_file_itself is caught within 30 s # no report' "$out"

echo "$((count - failures)) passed, $failures failed"
((failures == 0))
