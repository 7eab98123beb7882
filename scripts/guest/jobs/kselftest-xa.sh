# SPDX-License-Identifier: GPL-2.0
# The XArray kselftests (movable xa_node), as installed by "make install".
exec /kselftest/slub_movable/xarray_movable.sh
