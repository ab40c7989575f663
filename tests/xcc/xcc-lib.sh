# xcc-lib.sh: helpers for the libxcc scenarios (source after tests/lib.sh).
#
#   xcc_env                   point XANADU_CLOUD_* at the emulator; no .env
#   counter NAME              print one /_mock/counters value
#   snapshot / delta NAME     counters before, and NAME's growth since

XCC_GET=$top_builddir/tests/xcc/xcc-get
XCC_DEMO=$top_builddir/tests/xcc/xcc-demo

xcc_env() {
  XANADU_CLOUD_HOST=127.0.0.1
  XANADU_CLOUD_PORT=$MOCK_PORT
  XANADU_CLOUD_TLS=${1:-0}
  XANADU_CLOUD_REFRESH_TOKEN=$MOCK_KEY
  # A private config home: the user's own .env must not leak in.
  XDG_CONFIG_HOME=$TEST_TMP/config
  export XANADU_CLOUD_HOST XANADU_CLOUD_PORT XANADU_CLOUD_TLS \
    XANADU_CLOUD_REFRESH_TOKEN XDG_CONFIG_HOME
  unset XANADU_CLOUD_ACCESS_TOKEN
}

counter() {
  curl -s ${MOCK_CURL_ARGS:-} "$MOCK_URL/_mock/counters" | json "d[\"$1\"]"
}

snapshot() {
  curl -s ${MOCK_CURL_ARGS:-} "$MOCK_URL/_mock/counters" >"$TEST_TMP/counters"
}

delta() {
  before=$(json "d[\"$1\"]" <"$TEST_TMP/counters")
  echo $(( $(counter "$1") - before ))
}
