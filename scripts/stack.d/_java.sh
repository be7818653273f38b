# Shared by the JVM servers (keycloak, temporal_test_server): picks the newest JDK on the machine.
# Sourced by scripts/stack; not a server itself (no *_install function).

# Prints the JAVA_HOME of the newest JDK with major version >= $1 (default 17), searching
# /usr/lib/jvm and /opt; Temurin builds are preferred on a tie. Exit 1 when none is found.
java_pick_home() {
  local min=${1:-17} best='' best_major=0 home major rel
  for home in /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do
    [[ -x $home/bin/java && -f $home/release ]] || continue
    rel=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    major=${rel:-0}
    if ((major > best_major)) || { ((major == best_major)) && [[ $home == *temurin* ]]; }; then
      best=$home best_major=$major
    fi
  done
  ((best_major >= min)) || return 1
  echo "$best"
}

# Resolved once per `scripts/stack` call; exported because *_run functions see only exported variables.
CR_JAVA_HOME=${CR_JAVA_HOME:-$(java_pick_home 21 || java_pick_home 17 || true)}
export CR_JAVA_HOME
CR_JAVA_MAJOR=$([[ -n $CR_JAVA_HOME ]] && sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$CR_JAVA_HOME/release" || echo 0)
export CR_JAVA_MAJOR
