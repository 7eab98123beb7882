# SPDX-License-Identifier: GPL-2.0
# The slub_movable integration kselftest (owners, signals, offlining, leaks).
exec /kselftest/slub_movable/integration.sh
