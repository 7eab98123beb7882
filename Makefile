# SPDX-License-Identifier: GPL-2.0
# SMO: Slab Movable Objects for SLUB -- the front door.  Each target calls
# one script; "make help" lists them.

S := scripts
PY := /usr/bin/python3
KSRC ?=
TOPOLOGY ?= 4node
CONFIG ?= fast
STRESS_SECONDS ?= 600
WALK_SECONDS ?= 60
BENCH_REPEAT ?= 3

.PHONY: help deps base src apply tree export series check build build-debug \
	initramfs test test-nodebug test-arm64 unit demo bench bench-balance stress walkers shell clean \
	distclean

help:	## list the targets
	@echo "SMO: Slab Movable Objects for SLUB (Linux 6.12, Debian linux-source-6.12)"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  make %-12s %s\n", $$1, $$2 }'
	@echo
	@echo "Variables: KSRC=<tree> (apply), CONFIG=fast|debug|nodebug and"
	@echo "TOPOLOGY=1node|2node|4node|memonly|memless|vmem|spans|dist (shell, demo)"

deps:	## install the Debian packages the project needs
	@$(S)/deps.sh

base: deps	## install and unpack the pinned kernel source into build/base
	@$(S)/base.sh

src: base	## make build/src: the base with the series applied
	@$(S)/prepare-src.sh

apply: deps	## apply the series to your tree: make apply KSRC=/path/to/linux
	@test -n "$(KSRC)" || { echo "usage: make apply KSRC=/path/to/linux"; exit 2; }
	@$(S)/apply.sh "$(KSRC)"

tree: base	## make build/tree: a git tree, one commit per patch
	@$(S)/tree.sh

export:	## write build/tree's commits back into patches/ and the new files
	@$(S)/export.sh

series: tree	## write the mailable series (with cover letter) to build/series
	@$(S)/series.sh

build: src	## build the patched kernel (CONFIG=fast|debug|nodebug) and its initramfs
	@$(S)/build.sh $(CONFIG)
	@$(S)/initramfs.sh build/obj-$(CONFIG)

build-debug:	## build the debug config (KASAN, lockdep, DEBUG_VM, kmemleak)
	@$(MAKE) --no-print-directory build CONFIG=debug

test: deps	## apply, check, build, boot and run every test; N passed, N failed
	@$(S)/test.sh

test-nodebug: deps	## build and boot the CONFIG_SLUB_DEBUG=n kernel (make test compiles its objects only)
	@$(S)/test.sh nodebug

test-arm64: deps	## arm64 under QEMU (MTE): KASAN hardware and software tags, 2 nodes, the kselftests
	@$(S)/test.sh arm64

unit:	## the harness's own unit tests (no kernel needed)
	@cd $(S) && $(PY) -m unittest discover -s smo/tests -t . -v

demo: build	## boot the patched kernel on 4 NUMA nodes and show SMO at work
	@$(S)/demo.sh $(CONFIG)

stress: src	## debug kernel under load and fault injection, then xa_fsx under swap (STRESS_SECONDS=600 each)
	@r=0; $(S)/stress.sh $(STRESS_SECONDS) || r=1; \
	$(S)/stress.sh --fsx $(STRESS_SECONDS) || r=1; exit $$r

walkers: src	## slabs made and freed on one CPU while another walks page frames (WALK_SECONDS=60, every config)
	@$(S)/walkers.sh $(WALK_SECONDS)

bench: deps base	## vanilla vs patched: cost, defrag, throughput, balance, latency -> build/bench/report.md
	@$(S)/bench.sh $(BENCH_REPEAT)

bench-balance: build	## balance: objects moved vs the minimum vs the 2019 algorithm
	@cd $(S) && for t in 2node 4node; do $(PY) -m smo.cli bench-balance \
		--obj ../build/obj-$(CONFIG) --topology $$t || exit 1; done

shell: build	## boot the guest with a shell on the console (TOPOLOGY=..)
	@cd $(S) && $(PY) -m smo.cli shell --obj ../build/obj-$(CONFIG) \
		--topology $(TOPOLOGY) $(if $(filter debug,$(CONFIG)),--debug)

clean:	## remove the build dirs' outputs, keep the unpacked base and ccache
	rm -rf build/obj-* build/series build/logs build/src.stamp

distclean:	## remove build/ entirely
	chmod -R u+w build 2>/dev/null || true
	rm -rf build
