# scripts/lib.sh: shared helpers of scripts/demo, scripts/test and the
# benchmarks.  Sourced, not run.
#
# The server runs as an unprivileged OS user (initdb and postgres refuse to run
# as root): "postgres" when invoked as root, else the invoking user.  Nothing
# listens on TCP: clusters use a Unix socket in a private temporary directory.

VECTOR_ROOT=${VECTOR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PG_MAJOR=${PG_MAJOR:-15}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root to run: $*"
	fi
}

# Install what the build and the tests need, only when it is missing, so a
# second run is fast and works offline.
ensure_deps() {
	local pkgs=()
	[ -x /usr/lib/postgresql/$PG_MAJOR/bin/postgres ] || pkgs+=(postgresql-$PG_MAJOR)
	[ -f /usr/include/postgresql/$PG_MAJOR/server/postgres.h ] || pkgs+=(postgresql-server-dev-$PG_MAJOR)
	command -v pg_config >/dev/null || pkgs+=(postgresql-common)
	perl -MIPC::Run -e 1 2>/dev/null || pkgs+=(libipc-run-perl)
	perl -MTest::More -e 1 2>/dev/null || pkgs+=(perl)
	command -v gcc >/dev/null || pkgs+=(gcc)
	command -v make >/dev/null || pkgs+=(make)
	command -v prove >/dev/null || pkgs+=(perl)
	id postgres >/dev/null 2>&1 || [ "$(id -u)" != 0 ] || pkgs+=(postgresql-common)
	if [ ${#pkgs[@]} -gt 0 ]; then
		log "installing ${pkgs[*]}"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
			--no-install-recommends "${pkgs[@]}" >/dev/null
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		useradd --system --create-home --shell /bin/bash postgres
	fi
}

# The user the server runs as, and a wrapper to run a command as that user.
run_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_user() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bindir() { echo "/usr/lib/postgresql/$PG_MAJOR/bin"; }

build_extension() {
	log "building"
	make -C "$VECTOR_ROOT" -j"$(nproc)" WERROR=1 >/dev/null ||
		die "build failed (run make in $VECTOR_ROOT to see why)"
}

# stage_install DIR: a private copy of the PostgreSQL installation with the
# extension installed into it, so tests never touch the system's and several
# checkouts can be tested at once.  PostgreSQL finds its share and lib
# directories relative to its binary, so the copy is self-contained.
stage_install() {
	local dest=$1 bindir pkglibdir sharedir
	bindir=$(pg_config --bindir)
	pkglibdir=$(pg_config --pkglibdir)
	sharedir=$(pg_config --sharedir)
	mkdir -p "$dest$(dirname "$bindir")" "$dest$(dirname "$sharedir")"
	cp -a "$(dirname "$bindir")/." "$dest$(dirname "$bindir")/"
	cp -a "$sharedir" "$dest$(dirname "$sharedir")/"
	make -C "$VECTOR_ROOT" install DESTDIR="$dest" >/dev/null ||
		die "make install into $dest failed"
	[ -f "$dest$pkglibdir/vector.so" ] || die "staging did not install vector.so"
	echo "$dest$bindir"
}

# start_cluster BINDIR DATADIR SOCKDIR: initdb and start a throwaway cluster
# that listens only on a Unix socket.
start_cluster() {
	local bin=$1 data=$2 sock=$3
	as_user "$bin/initdb" -D "$data" -A trust -U postgres --no-sync >/dev/null ||
		die "initdb failed"
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
port = 5432
fsync = off
max_connections = 50
shared_buffers = 256MB
maintenance_work_mem = 256MB
max_parallel_maintenance_workers = 1
max_worker_processes = 8
CONF
	as_user "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null ||
		{ cat "$data/server.log" >&2; die "server did not start"; }
}

stop_cluster() {
	local bin=$1 data=$2
	as_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# The fuzz harnesses (test/fuzz) need clang with libFuzzer's runtime; check
# by building a trivial fuzzer, so a half-installed toolchain is caught too.
ensure_fuzz_deps() {
	local probe='int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }'
	local out ok=1
	out=$(mktemp)
	echo "$probe" | clang -fsanitize=fuzzer,address -x c - -o "$out" 2>/dev/null || ok=0
	rm -f "$out"
	if [ $ok = 0 ]; then
		log "installing clang libclang-rt-14-dev"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
			--no-install-recommends clang libclang-rt-14-dev >/dev/null
	fi
}
