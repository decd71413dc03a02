#!/bin/sh
# crash.sh - the crash tests of tests/crash/crash.sh, 200 iterations (make
# crash-long runs 1000).
exec sh "${JRNKIT_SRC:?}/tests/crash/crash.sh"
