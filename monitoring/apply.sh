#!/usr/bin/env bash
# Applies the monitoring as code idempotently: logs-based metrics, the dashboard, the alert policies.
# usage: monitoring/apply.sh PROJECT_ID SERVICE PUSH_SUBSCRIPTION DLQ_SUBSCRIPTION
# Placeholders SERVICE, PUSH_SUBSCRIPTION and DLQ_SUBSCRIPTION in the files are filled in from the arguments.
set -euo pipefail
PROJECT=$1 SERVICE=$2 PUSH_SUBSCRIPTION=$3 DLQ_SUBSCRIPTION=$4
DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fill() { sed -e "s/\"SERVICE\"/\"$SERVICE\"/g" -e "s/PUSH_SUBSCRIPTION/$PUSH_SUBSCRIPTION/g" -e "s/DLQ_SUBSCRIPTION/$DLQ_SUBSCRIPTION/g" "$1" > "$2"; }

for file in "$DIR"/metrics/*.yaml; do
  name=$(sed -n 's/^name: //p' "$file")
  fill "$file" "$WORK/metric.yaml"
  if gcloud logging metrics describe "$name" --project="$PROJECT" >/dev/null 2>&1; then
    gcloud logging metrics update "$name" --project="$PROJECT" --config-from-file="$WORK/metric.yaml"
  else
    gcloud logging metrics create "$name" --project="$PROJECT" --config-from-file="$WORK/metric.yaml"
  fi
done

fill "$DIR/dashboard.json" "$WORK/dashboard.json"
existing=$(gcloud monitoring dashboards list --project="$PROJECT" --filter='displayName="content-worker"' --format='value(name)' | head -n1)
if [ -n "$existing" ]; then
  etag=$(gcloud monitoring dashboards describe "$existing" --project="$PROJECT" --format='value(etag)')
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["etag"]=sys.argv[2]; json.dump(d,open(sys.argv[1],"w"))' "$WORK/dashboard.json" "$etag"
  gcloud monitoring dashboards update "$existing" --project="$PROJECT" --config-from-file="$WORK/dashboard.json"
else
  gcloud monitoring dashboards create --project="$PROJECT" --config-from-file="$WORK/dashboard.json"
fi

for file in "$DIR"/alerts/*.json; do
  fill "$file" "$WORK/policy.json"
  display=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["displayName"])' "$WORK/policy.json")
  existing=$(gcloud alpha monitoring policies list --project="$PROJECT" --filter="displayName=\"$display\"" --format='value(name)' | head -n1)
  if [ -n "$existing" ]; then
    gcloud alpha monitoring policies update "$existing" --project="$PROJECT" --policy-from-file="$WORK/policy.json"
  else
    gcloud alpha monitoring policies create --project="$PROJECT" --policy-from-file="$WORK/policy.json"
  fi
done
echo "monitoring applied to $PROJECT"
