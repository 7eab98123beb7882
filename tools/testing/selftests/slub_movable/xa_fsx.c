// SPDX-License-Identifier: GPL-2.0
/*
 * xa_fsx: random reads, writes, truncates, hole punches, fallocates,
 * mmap reads and writes and page cache drops on one file, each checked
 * against an in-memory model of the file (in the spirit of fsx from
 * xfstests, which Debian does not package).  xarray_fsx.sh runs it on
 * tmpfs with huge=always and on ext2, under a memory cgroup limit that
 * swaps shmem out, while the page cache's XArray nodes move.
 *
 *   xa_fsx [-s seed] [-t seconds] [-n ops] [-l maxlen] [-c every]
 *          [-x corrupt-after] file
 *
 * Stops after -n operations or -t seconds, whichever comes first (at least
 * one of them); the whole file is compared with the model every -c
 * operations and at the end.  An operation the filesystem or the kernel
 * does not support (EOPNOTSUPP: ext2 has no fallocate; a kernel without
 * fadvise) is dropped from the mix and reported.  -x N changes one byte
 * of the file behind the model's back after N operations (to what the
 * first operation would have written there): a self-test of the checker,
 * the run must then fail.  Exit status 0 when every check
 * matched, 1 on a mismatch (the last operations, the offset and the bytes
 * are printed), 2 on a usage or
 * system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif

enum op { OP_READ, OP_WRITE, OP_MAPREAD, OP_MAPWRITE, OP_TRUNCATE,
	  OP_PUNCH, OP_FALLOC, OP_DROP, OP_NR };

static const char * const op_name[OP_NR] = {
	"read", "write", "mapread", "mapwrite", "truncate", "punch",
	"falloc", "drop",
};

/* Relative frequencies: data operations dominate, as in fsx. */
static unsigned int op_weight[OP_NR] = { 20, 20, 10, 10, 6, 8, 6, 2 };

#define LOG_LEN 32

struct logent {
	unsigned long long nr;
	enum op op;
	unsigned long long off, len, size_before;
};

static struct logent oplog[LOG_LEN];
static unsigned long long nops, op_count[OP_NR], unsupported[OP_NR], falloc_enomem;
static unsigned char *model;	/* maxlen bytes; beyond size: zero */
static unsigned long long size, maxlen = 8 << 20;
static const char *path;
static int fd;
static unsigned long long rng_state, seed;
static long pagesize;

static unsigned long long rnd(void)
{
	/* xorshift64*: repeatable for a seed, good enough for offsets */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned long long below(unsigned long long n)
{
	return n ? rnd() % n : 0;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "xa_fsx: %s: ", path);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void dump_log(void)
{
	unsigned long long first = nops >= LOG_LEN ? nops - LOG_LEN + 1 : 1;

	fprintf(stderr, "xa_fsx: %s: seed %llu, the last operations (size before):\n",
		path, seed);
	for (unsigned long long n = first; n <= nops; n++) {
		struct logent *e = &oplog[n % LOG_LEN];

		fprintf(stderr, "  #%llu %-8s off 0x%llx len 0x%llx (size 0x%llx)\n",
			e->nr, op_name[e->op], e->off, e->len, e->size_before);
	}
}

/* Compare @len bytes read at @off with the model; exit 1 on a mismatch. */
static void compare(const unsigned char *got, unsigned long long off, unsigned long long len,
		    const char *how)
{
	unsigned long long i;

	if (!memcmp(got, model + off, len))
		return;
	for (i = 0; i < len && got[i] == model[off + i]; i++)
		;
	fprintf(stderr,
		"xa_fsx: %s: MISMATCH (%s) at 0x%llx (page %llu): expected 0x%02x, got 0x%02x; op #%llu, size 0x%llx\n",
		path, how, off + i, (off + i) / pagesize, model[off + i],
		got[i], nops, size);
	fprintf(stderr, "  expected:");
	for (unsigned long long j = i; j < len && j < i + 16; j++)
		fprintf(stderr, " %02x", model[off + j]);
	fprintf(stderr, "\n  got:     ");
	for (unsigned long long j = i; j < len && j < i + 16; j++)
		fprintf(stderr, " %02x", got[j]);
	fprintf(stderr, "\n");
	dump_log();
	exit(1);
}

static void check_size(void)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat: %s", strerror(errno));
	if ((unsigned long long)st.st_size != size) {
		fprintf(stderr,
			"xa_fsx: %s: MISMATCH: size 0x%llx, expected 0x%llx after op #%llu\n",
			path, (unsigned long long)st.st_size, size, nops);
		dump_log();
		exit(1);
	}
}

/*
 * Read @len bytes at @off, all of them below the size: a read may stop
 * short (a signal, or memory the memory cgroup could not get for a
 * swap-in), so read on; end of file before @len is a mismatch.
 */
static void read_full(unsigned char *buf, unsigned long long off,
		      unsigned long long len)
{
	unsigned long long done = 0;
	int tries = 0;

	while (done < len) {
		ssize_t r = pread(fd, buf + done, len - done, off + done);

		if (r < 0 && (errno == EINTR || errno == ENOMEM) &&
		    ++tries < 1000)
			continue;
		if (r < 0)
			die("pread at 0x%llx: %s (%d tries)", off + done,
			    strerror(errno), tries);
		if (!r) {
			fprintf(stderr,
				"xa_fsx: %s: MISMATCH: end of file at 0x%llx, size 0x%llx\n",
				path, off + done, size);
			dump_log();
			exit(1);
		}
		done += r;
	}
}

static void full_check(unsigned char *buf)
{
	unsigned long long off = 0;

	check_size();
	while (off < size) {
		unsigned long long len = size - off > (1 << 20) ? 1 << 20 : size - off;

		read_full(buf, off, len);
		compare(buf, off, len, "full check");
		off += len;
	}
}

/* A random range in [0, limit): short ranges often, long ones sometimes. */
static void pick(unsigned long long limit, unsigned long long *off, unsigned long long *len)
{
	unsigned long long max = rnd() & 1 ? 64 << 10 : limit;

	*off = below(limit);
	if (rnd() % 4 == 0)	/* page and huge-page boundaries */
		*off &= rnd() & 1 ? ~(unsigned long long)(pagesize - 1) :
				    ~(unsigned long long)((2 << 20) - 1);
	*len = 1 + below(max);
	if (*off + *len > limit)
		*len = limit - *off;
}

/* The bytes operation @nr writes at @off: they say who wrote them. */
static void fill(unsigned char *p, unsigned long long off,
		 unsigned long long len, unsigned long long nr)
{
	for (unsigned long long i = 0; i < len; i++) {
		/* splitmix64 of offset and writer: every bit counts */
		unsigned long long x = (off + i) ^ (nr << 40);

		x += 0x9e3779b97f4a7c15ULL;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		x ^= x >> 31;
		p[i] = (unsigned char)x | 1;	/* never 0: holes are */
	}
}

static void do_truncate(unsigned long long new_size)
{
	if (ftruncate(fd, new_size))
		die("ftruncate 0x%llx: %s", new_size, strerror(errno));
	if (new_size < size)
		memset(model + new_size, 0, size - new_size);
	size = new_size;
}

static int do_op(enum op op, unsigned char *buf)
{
	struct logent *e = &oplog[(nops + 1) % LOG_LEN];
	unsigned long long off = 0, len = 0;
	ssize_t r;
	void *map;

	switch (op) {
	case OP_READ:
	case OP_MAPREAD:
	case OP_PUNCH:
		if (!size)
			return 0;
		pick(size, &off, &len);
		break;
	case OP_TRUNCATE:
		/*
		 * Never to a page boundary inside a huge page: 6.12.117's
		 * shmem_undo_range() spins for ever, unkillable, when such
		 * a truncate falls inside a 2 MiB folio swapped out whole
		 * (the large swap entry straddles the new end, is skipped
		 * and found again; xarray_fsx.sh's header has the recipe).
		 * A size inside a page swaps that page in, which splits the
		 * entry; a 2 MiB boundary splits nothing.
		 */
		off = below(maxlen + 1);
		if (rnd() & 1)
			off &= ~(unsigned long long)((2 << 20) - 1);
		else if (!(off % pagesize) && off < maxlen)
			off++;
		break;
	default:
		pick(maxlen, &off, &len);
		break;
	}
	nops++;
	*e = (struct logent){ nops, op, off, len, size };

	switch (op) {
	case OP_READ:
		read_full(buf, off, len);
		compare(buf, off, len, "read");
		break;
	case OP_WRITE:
		fill(model + off, off, len, nops);
		r = pwrite(fd, model + off, len, off);
		if (r < 0 || (unsigned long long)r != len)
			die("pwrite: %s", r < 0 ? strerror(errno) : "short");
		if (off + len > size)
			size = off + len;
		break;
	case OP_MAPREAD:
	case OP_MAPWRITE: {
		unsigned long long start = off & ~(unsigned long long)(pagesize - 1);
		unsigned long long mlen = off + len - start;

		if (op == OP_MAPWRITE && off + len > size)
			do_truncate(off + len);	/* as fsx: mmap cannot extend */
		map = mmap(NULL, mlen, op == OP_MAPREAD ? PROT_READ :
			   PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
		if (map == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		if (op == OP_MAPREAD) {
			compare((unsigned char *)map + (off - start), off, len,
				"mapread");
		} else {
			fill(model + off, off, len, nops);
			memcpy((unsigned char *)map + (off - start),
			       model + off, len);
			if (rnd() & 1 && msync(map, mlen, MS_SYNC))
				die("msync: %s", strerror(errno));
		}
		munmap(map, mlen);
		break;
	}
	case OP_TRUNCATE:
		do_truncate(off);
		break;
	case OP_PUNCH:
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, len)) {
			if (errno == EOPNOTSUPP)
				return -1;
			die("punch: %s", strerror(errno));
		}
		memset(model + off, 0, len);
		break;
	case OP_FALLOC: {
		int keep = rnd() & 1;

		if (fallocate(fd, keep ? FALLOC_FL_KEEP_SIZE : 0, off, len)) {
			if (errno == EOPNOTSUPP)
				return -1;
			/*
			 * tmpfs gives up when reclaim swaps out the pages it
			 * is allocating (shmem_fallocate(): nr_unswapped),
			 * and undoes what it allocated: nothing changed.
			 */
			if (errno != ENOMEM)
				die("fallocate: %s", strerror(errno));
			falloc_enomem++;
			break;
		}
		if (!keep && off + len > size)
			size = off + len;
		break;
	}
	case OP_DROP: {
		int err;

		/* written back and dropped: the next reads come from disk
		 * (on tmpfs, nothing is dropped) and leave shadow entries
		 */
		if (fdatasync(fd))
			die("fdatasync: %s", strerror(errno));
		err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (err) {
			/* no CONFIG_ADVISE_SYSCALLS: reported at the end */
			fprintf(stderr, "xa_fsx: %s: fadvise: %s\n", path,
				strerror(err));
			return -1;
		}
		break;
	}
	default:
		break;
	}
	if (op == OP_TRUNCATE || op == OP_FALLOC || op == OP_MAPWRITE)
		check_size();
	op_count[op]++;
	return 0;
}

static enum op pick_op(void)
{
	unsigned int total = 0, x, i;

	for (i = 0; i < OP_NR; i++)
		total += op_weight[i];
	x = below(total);
	for (i = 0; i < OP_NR - 1; i++) {
		if (x < op_weight[i])
			break;
		x -= op_weight[i];
	}
	return i;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: xa_fsx [-s seed] [-t seconds] [-n ops] [-l maxlen] [-c check-every] [-x corrupt-after] file\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long limit = 0, every = 1000, corrupt = 0;
	unsigned long secs = 0;
	unsigned char *buf;
	time_t end = 0;
	int c, i;

	seed = time(NULL) ^ getpid();
	while ((c = getopt(argc, argv, "s:t:n:l:c:x:")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			secs = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			limit = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			maxlen = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			every = strtoull(optarg, NULL, 0);
			break;
		case 'x':
			corrupt = strtoull(optarg, NULL, 0);
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc - 1 || (!secs && !limit) || !maxlen || !every)
		bad_usage();
	path = argv[optind];
	pagesize = sysconf(_SC_PAGESIZE);
	rng_state = seed ? seed : 1;
	model = calloc(1, maxlen);
	buf = malloc(maxlen);
	if (!model || !buf)
		die("no memory for a model of %llu bytes", maxlen);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open: %s", strerror(errno));
	if (secs)
		end = time(NULL) + secs;
	while ((!limit || nops < limit) && (!end || time(NULL) < end)) {
		enum op op = pick_op();

		if (do_op(op, buf)) {
			/* not supported here: never again, and not counted */
			unsupported[op] = 1;
			op_weight[op] = 0;
			nops--;
			continue;
		}
		if (corrupt && nops >= corrupt && size) {
			/*
			 * The self-test: one byte the model does not know,
			 * as the first operation would have written it (a
			 * stale page would hold such bytes).
			 */
			unsigned char b;

			fill(&b, size / 2, 1, 1);
			if (b == model[size / 2])
				b ^= 0x5a;
			if (pwrite(fd, &b, 1, size / 2) != 1)
				die("pwrite: %s", strerror(errno));
			corrupt = 0;
		}
		if (nops % every == 0)
			full_check(buf);
	}
	full_check(buf);
	printf("xa_fsx: %s: %llu operations, seed %llu, final size 0x%llx:",
	       path, nops, seed, size);
	for (i = 0; i < OP_NR; i++)
		printf(" %s %llu", op_name[i], op_count[i]);
	if (falloc_enomem)
		printf(" (falloc: %llu ENOMEM)", falloc_enomem);
	for (i = 0; i < OP_NR; i++)
		if (unsupported[i])
			printf(" (%s: not supported)", op_name[i]);
	printf("\n");
	close(fd);
	return 0;
}
