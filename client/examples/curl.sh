#!/usr/bin/env bash
# Tune a training job with nothing but curl (and python3 to read JSON).
#
#   OPTIMIZER_URL=http://127.0.0.1:8000 ./curl.sh
#
# With tokens on (`optimizer-api token create --owner NAME`), set OPTIMIZER_TOKEN: every
# request then carries it as `Authorization: Bearer <token>`.
#
# Creates (or loads) a study, then loops: suggest a trial, "train" it epoch by epoch
# reporting the loss after each (the service answers should_stop when the trial looks
# hopeless next to the others), report the final loss; finally prints the best trial.
# Settings: STUDY_NAME (curl-example), TRIALS (8), EPOCHS (5).
set -euo pipefail

URL=${OPTIMIZER_URL:-http://127.0.0.1:8000}
NAME=${STUDY_NAME:-curl-example}
TRIALS=${TRIALS:-8}
EPOCHS=${EPOCHS:-5}
WORKER="curl-$(hostname)-$$"

# json EXPR: evaluate a Python expression over the JSON document on stdin, bound to d.
json() { python3 -S -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
AUTH=()
[ -n "${OPTIMIZER_TOKEN:-}" ] && AUTH=(-H "Authorization: Bearer $OPTIMIZER_TOKEN")
get() { curl -sSf ${AUTH[@]+"${AUTH[@]}"} "$URL$1"; }
post() { curl -sSf -X POST ${AUTH[@]+"${AUTH[@]}"} "$URL$1" -H 'Content-Type: application/json' -d "$2"; }

# The "training job": the loss after epoch $4 for learning rate $1, width $2, activation $3.
# Replace it with your own command.
train_epoch() {
  python3 -S -c 'import math, sys
lr, width, act, epoch = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
print(round((math.log10(lr) + 2.5) ** 2 + (width - 96) ** 2 / 5000
            + (0.3 if act == "tanh" else 0.0) + 2.0 / epoch, 6))' "$@"
}

ID=$(post /v1/studies "{
  \"name\": \"$NAME\", \"direction\": \"minimize\", \"max_trials\": $TRIALS, \"seed\": 1,
  \"algorithm\": {\"name\": \"random\"},
  \"early_stopping\": {\"rule\": \"median\", \"min_steps\": 2, \"min_trials\": 3},
  \"space\": {\"lr\": {\"type\": \"float\", \"low\": 1e-5, \"high\": 1, \"log\": true},
            \"width\": {\"type\": \"int\", \"low\": 16, \"high\": 256, \"step\": 16},
            \"activation\": {\"type\": \"categorical\", \"choices\": [\"relu\", \"tanh\"]}}
}" | json 'd["id"]')
echo "study $NAME (id $ID) at $URL"

while :; do
  TRIAL=$(post "/v1/studies/$ID/suggest" "{\"count\": 1, \"worker_id\": \"$WORKER\"}")
  TID=$(echo "$TRIAL" | json 'd["trials"][0]["id"] if d["trials"] else ""')
  [ -z "$TID" ] && break  # no trial: the study has all its results
  read -r LR WIDTH ACT < <(echo "$TRIAL" |
    json '" ".join(str(d["trials"][0]["params"][k]) for k in ("lr", "width", "activation"))')
  FINAL='"value": '
  for EPOCH in $(seq 1 "$EPOCHS"); do
    LOSS=$(train_epoch "$LR" "$WIDTH" "$ACT" "$EPOCH")
    STOP=$(post "/v1/studies/$ID/observe" \
                "{\"trial_id\": $TID, \"step\": $EPOCH, \"value\": $LOSS}" | json 'd["should_stop"]')
    if [ "$STOP" = True ]; then FINAL='"pruned": true, "value": '; break; fi
  done
  post "/v1/studies/$ID/observe" "{\"trial_id\": $TID, $FINAL$LOSS}" |
    json '"trial", d["trial"]["number"], d["trial"]["state"], d["trial"]["params"], d["trial"]["value"]'
done

get "/v1/studies/$ID/best" | json '"best", d["trial"]["params"], d["trial"]["value"]'
