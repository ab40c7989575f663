#!/bin/sh
# tests/mkcerts.sh: make a throwaway CA and a 127.0.0.1/localhost server cert.
#
#   tests/mkcerts.sh DIR
#
# Writes DIR/ca.pem, DIR/server.pem and DIR/server.key (and the CA key, so
# tests can sign more).  Nothing here is ever committed: tests run this at
# test time.  Exits 77 (skip) when openssl is missing.
set -eu
dir=${1:?usage: mkcerts.sh DIR}
openssl=${OPENSSL:-openssl}
command -v "$openssl" >/dev/null 2>&1 || { echo "no openssl" >&2; exit 77; }
mkdir -p "$dir"
cd "$dir"
umask 077
cat >server.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
CNF
"$openssl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=xcc-proxy test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
"$openssl" req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout server.key -out server.csr -config server.cnf 2>/dev/null
"$openssl" x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
  -CAcreateserial -out server.pem -days 2 -extfile server.cnf \
  -extensions ext 2>/dev/null
rm -f server.csr server.cnf ca.srl
