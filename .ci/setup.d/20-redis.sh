# Redis for the RedisManager tests: Debian's redis-server on 127.0.0.1:6390 with a password, no
# snapshots, a pid file; PSWEEP_REDIS_URL tells the tests where it is. Sourced by .ci/run.
# In CI the Redis tests always run: PSWEEP_REQUIRE_REDIS=1 makes a server that could not be
# installed or started fail a test (tests/_redis.ts) instead of skipping them. As root, the
# network-partition test (tests/redis_partition_test.ts) must run too: PSWEEP_REQUIRE_NETNS=1.
export PSWEEP_REQUIRE_REDIS=1
if ! command -v redis-server >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server) \
    >/dev/null 2>&1 || echo "redis-server could not be installed: the Redis tests will fail"
fi
if [ "$(id -u)" = 0 ]; then
  if { ! command -v ip || ! command -v nsenter; } >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 util-linux) \
      >/dev/null 2>&1 || echo "ip or nsenter could not be installed: the partition test will fail"
  fi
  # The partition test must run where root can make a network namespace; a container without
  # CAP_NET_ADMIN cannot, and says so here rather than failing the suite.
  if ip netns add psweep_ci_probe >/dev/null 2>&1; then
    ip netns del psweep_ci_probe >/dev/null 2>&1
    export PSWEEP_REQUIRE_NETNS=1
  else
    echo "this machine cannot create a network namespace: the Redis partition test will be skipped"
  fi
fi
if command -v redis-server >/dev/null 2>&1; then
  psweep_redis_dir=$(mktemp -d)
  psweep_redis_password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  if redis-server --port 6390 --bind 127.0.0.1 --requirepass "$psweep_redis_password" --save "" \
    --appendonly no --dir "$psweep_redis_dir" --daemonize yes --pidfile "$psweep_redis_dir/redis.pid" \
    --logfile "$psweep_redis_dir/redis.log"; then
    export PSWEEP_REDIS_URL="redis://:${psweep_redis_password}@127.0.0.1:6390"
    # The server writes its pid file once it runs; stop it by that pid, then remove its directory.
    ci_cleanup+=("[ -f '$psweep_redis_dir/redis.pid' ] && kill \$(cat '$psweep_redis_dir/redis.pid'); rm -rf '$psweep_redis_dir'")
    for _ in $(seq 1 50); do
      [ -f "$psweep_redis_dir/redis.pid" ] && break
      sleep 0.1
    done
    redis-server --version
  else
    echo "redis-server did not start: the Redis tests will fail"
  fi
fi
