#!/usr/bin/env bash
# Install and start what the test suite needs from the system: Debian's Chromium for the browser
# tests, dovecot for the e-mail intake tests, poppler-utils for the report tests, and (under CI or when
# asked) a running PostgreSQL.
# Idempotent; prints what it does.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "system-deps: installing Debian chromium for the browser tests"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  echo "system-deps: installing Debian dovecot-imapd (a real IMAP server for the e-mail intake tests)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq dovecot-imapd >/dev/null
fi

if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  echo "system-deps: installing Debian poppler-utils (the report tests render PDF pages to PNG)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq poppler-utils >/dev/null
fi

if [ -n "${CI:-}" ] || [ -n "${OTKLIK_TEST_POSTGRES_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "system-deps: starting PostgreSQL"
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -h 127.0.0.1 -p 5432
  fi
fi
