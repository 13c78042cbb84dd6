#!/usr/bin/env bash
# The Python environment of the Spark engine (`lakehouse run --engine spark`) and of the Glue
# job's tests: a project-local virtual environment (.venv) from the pinned requirements, plus the
# two jars Spark needs to reach S3 through s3a (the Glue tests' local S3 endpoint).
# Idempotent: a second run only checks. Needs Python 3.11 (Glue 5.0's), Java 17 and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
REQUIREMENTS=etl/spark/requirements.txt
JARS="$VENV/spark-jars"
# The hadoop-aws release that matches the Hadoop client bundled with pyspark, and the AWS SDK
# bundle that hadoop-aws release was built against.
S3A_JARS=(org.apache.hadoop:hadoop-aws:3.3.4 com.amazonaws:aws-java-sdk-bundle:1.12.262)

version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$version" != "3.11" ]; then
  echo "setup-python: $PYTHON is Python $version: expected 3.11 (AWS Glue 5.0's); set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
command -v java >/dev/null || { echo "setup-python: no java on PATH: expected Java 17 (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$wanted" > "$stamp"
fi

mkdir -p "$JARS"
for coordinate in "${S3A_JARS[@]}"; do
  IFS=: read -r _group artifact ver <<<"$coordinate"
  if [ ! -s "$JARS/$artifact-$ver.jar" ]; then
    command -v mvn >/dev/null || { echo "setup-python: no mvn on PATH: expected Maven to fetch $coordinate (apt-get install maven)" >&2; exit 2; }
    mvn -q dependency:copy -Dartifact="$coordinate" -DoutputDirectory="$JARS"
  fi
done
echo "setup-python: $VENV ready (pyspark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)'))"
