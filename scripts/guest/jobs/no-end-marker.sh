# SPDX-License-Identifier: GPL-2.0
# For the harness's own check: the guest dies before the end marker.
echo "powering off before the end marker"
poweroff -f
sleep 10
