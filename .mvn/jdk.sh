# Sourced by ./mvnw, ./pacer and .ci/run: make JAVA_HOME point at a JDK 21 or newer.
# Keeps a JAVA_HOME (or a java on PATH) that is new enough; otherwise takes the newest
# JDK under /usr/lib/jvm (Debian/Ubuntu) or /Library/Java/JavaVirtualMachines (macOS).
# POSIX sh; works under `set -euf` (the Maven wrapper's settings).

pacer_java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1") ? v[2] : v[1]; exit }'
}

pacer_pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    _pj_major=$(pacer_java_major "$JAVA_HOME/bin/java")
    [ "${_pj_major:-0}" -ge 21 ] 2>/dev/null && return 0
  elif _pj_java=$(command -v java 2>/dev/null); then
    _pj_major=$(pacer_java_major "$_pj_java")
    if [ "${_pj_major:-0}" -ge 21 ] 2>/dev/null; then
      return 0
    fi
  fi
  _pj_best="" _pj_best_major=0
  case $- in *f*) _pj_noglob=1; set +f ;; *) _pj_noglob=0 ;; esac
  for _pj_dir in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$_pj_dir/bin/java" ] && [ -x "$_pj_dir/bin/javac" ] || continue
    _pj_major=$(pacer_java_major "$_pj_dir/bin/java")
    if [ "${_pj_major:-0}" -ge 21 ] 2>/dev/null && [ "$_pj_major" -gt "$_pj_best_major" ]; then
      _pj_best=$_pj_dir _pj_best_major=$_pj_major
    fi
  done
  [ "$_pj_noglob" = 1 ] && set -f
  if [ -n "$_pj_best" ]; then
    [ -n "${PACER_QUIET_JDK:-}" ] || echo "pacer: using JDK $_pj_best_major at $_pj_best (the default java is older than 21)" >&2
    JAVA_HOME=$_pj_best
    PATH="$JAVA_HOME/bin:$PATH"
    export JAVA_HOME PATH
    return 0
  fi
  echo "pacer: needs a JDK 21 or newer and found none; install one (for example openjdk-21-jdk) or set JAVA_HOME to it." >&2
  return 1
}

pacer_pick_jdk || exit 1
