# SPDX-License-Identifier: GPL-2.0
# The slub_movable kselftests, as installed by "make install" of kselftest.
exec /kselftest/slub_movable/slub_movable.sh
