#!/bin/sh
# Raises the open-file limit as far as this process may (a soak holds
# thousands of connections, both ends of each in these processes), says what
# it got and what bounds it (the hard limit, the kernel's fs.nr_open), then
# runs the soak.
want=262144
nr_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo unknown)
[ "$nr_open" != unknown ] && [ "$nr_open" -lt "$want" ] && want=$nr_open
ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
got=$(ulimit -n)
echo "open files: $got per process (wanted $want; hard limit $(ulimit -Hn), fs.nr_open $nr_open)"
if [ "$got" -lt "$want" ]; then
  echo "  raising the hard limit needs root with CAP_SYS_RESOURCE (ulimit -Hn $want), or LimitNOFILE= for a service"
fi
exec node bench/dist/soak.js "$@"
