# SPDX-License-Identifier: GPL-2.0
# xarray_fsx.sh as installed by "make install": xa_fsx on tmpfs huge=always
# and ext2, swapped out to zram, while xa_node moves (SMO_FSX_SECONDS).
exec /kselftest/slub_movable/xarray_fsx.sh
