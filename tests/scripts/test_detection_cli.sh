#!/usr/bin/env bash
# Detection through the real binary: `try` (human, --json, --sms-lines), `check` (every example,
# bad packs, bad plans, bad policies: exit codes and FILE:LINE messages), `replay --trunk`.
set -uo pipefail
bin=${SCAMGATE_BIN:?}
src=${SCAMGATE_SOURCE_DIR:-.}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache   # the signature cache of this test only
fails=0 passes=0
check() {  # description, condition...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}
json_get() { python3 -c 'import json,sys; v=json.loads(sys.stdin.read()); print(eval("v"+sys.argv[1]))' "$1"; }

# A config on the test pack and policy, the shipped plan and lists.
cfg=$src/tests/golden/verdicts.yaml

out=$("$bin" try -c "$cfg" --sms "CÔNG AN quận 1 triệu tập ông, tài khoản bị khóa, vào vcb-secure.top/x" --from 0912345678 --json)
check "try --json: score (signatures 95, with the model's band, capped)" [ "$(json_get '["score"]' <<<"$out")" = 100 ]
check "try --json: the model's name and version" [ "$(json_get '["model"]["name"]+" "+v["model"]["version"]' <<<"$out")" = "sms-text 2026.12.05.2" ]
check "try --json: the model's probability is high for this scam" python3 -c 'import json,sys; p=json.loads(sys.argv[1])["model"]["probability"]; sys.exit(0 if 0.5 < p <= 1 else 1)' "$out"
check "try --json: hits are signature ids" [ "$(json_get '["hits"]' <<<"$out")" = "[9000001, 9000002, 9000003]" ]
check "try --json: action and rule" [ "$(json_get '["action"]+" "+v["rule"]' <<<"$out")" = "reject scam-sms" ]
check "try --json: folded view" [ "$(json_get '["views"]["folded"]' <<<"$out")" = "cong an quan 1 trieu tap ong, tai khoan bi khoa, vao vcb-secure.top/x" ]
check "try --json: URL host and domain" [ "$(json_get '["urls"][0]["domain"]' <<<"$out")" = "vcb-secure.top" ]
out=$("$bin" try -c "$cfg" --sms "Chiều nay 5h mẹ đón con ở cổng sau nhé" --json)
check "try --json: a family message: a calibrated score below the alert band" [ "$(json_get '["score"]' <<<"$out")" -lt 10 ]
check "try --json: the score is the calibrated probability in percent" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); c = d["calibration"]
assert c["name"] == "sms-score" and d["score"] == round(100 * c["probability"]), d
assert any(x["signal"] == "model_logit" for x in c["contributions"]), c' "$out"
out=$("$bin" try --sms "SD TK 0123456789 +1,500,000VND luc 10-03-2024 09:15. SD 2,340,000VND" --json)
check "try --json: a balance notice hits notice.transaction with score 0" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
hits = [h for h in d["hit_details"] if h["category"] == "notice.transaction"]
assert hits and all(h["score"] == 0 for h in hits), d["hit_details"]
assert any(x["signal"] == "category:notice.transaction" and x["weight"] < 0 for x in d["calibration"]["contributions"]), d' "$out"
out=$("$bin" try -c "$cfg" --sms "Chiều nay 5h mẹ đón con ở cổng sau nhé" --json --score-model none)
check "try --score-model none: the capped sum, no calibration" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); assert "calibration" not in d and d["score"] == 0 and "score" in d["model"], d' "$out"
out=$("$bin" try -c "$cfg" --sms "xin chao" --json --model /nonexistent.model 2>&1)
check "try --model: a missing model file is named" grep -q "/nonexistent.model: cannot open" <<<"$out"
head -c 2000 "$src/signatures/models/sms-text.model" > "$work/truncated.model"
out=$("$bin" check -c "$cfg" --model "$work/truncated.model" 2>&1); code=$?
check "check --model: a truncated model: exit non-zero" [ "$code" -ne 0 ]
check "check --model: a truncated model: FILE: reason" grep -q "$work/truncated.model: .*truncated" <<<"$out"
out=$("$bin" check -c "$cfg" 2>&1)
check "check: names the model and its checksum" grep -q "model sms-text 2026.12.05.2 (65536 weights, checksum ok)" <<<"$out"
check "check: names the host model and its checksum" grep -q "host model url-host 2026.12.05 (262144 weights, checksum ok)" <<<"$out"

# The URL host model, with the bundled config and policy: a link whose host reads as a phishing host
# is tagged by tag-phishing-host-links; try shows the host model.
out=$("$bin" try --sms "xem ket qua tai http://xoso-dudoan88.net/" --json)
check "try --json: host_model names the host" [ "$(json_get '["host_model"]["name"]+" "+v["host_model"]["host"]' <<<"$out")" = "url-host xoso-dudoan88.net" ]
check "try --json: url.phishing_host fires" [ "$(json_get '["checks"]' <<<"$out")" = "['url.phishing_host']" ]
check "try --json: tag-phishing-host-links tags it" [ "$(json_get '["rule"]+" "+v["action"]' <<<"$out")" = "tag-phishing-host-links tag" ]
out=$("$bin" try --sms "Lich hop tuan sau: https://www.vnexpress.net/lich" --json)
check "try --json: a news link: host model below the threshold, no check" [ "$(json_get '["checks"]' <<<"$out")" = "[]" ]
check "try --json: a news link: host_model still reported" python3 -c 'import json,sys; p=json.loads(sys.argv[1])["host_model"]["probability"]; sys.exit(0 if 0 <= p < 0.9 else 1)' "$out"
out=$("$bin" try --sms "xem http://xoso-dudoan88.net/")
check "try: prints the host model" grep -q "^host model:   url-host 2026.12.05: probability 0.9[0-9]* for host xoso-dudoan88.net" <<<"$out"
out=$("$bin" try --sms "xin chao" --host-model /nonexistent-host.model 2>&1)
check "try --host-model: a missing file is named" grep -q "/nonexistent-host.model: cannot open" <<<"$out"
out=$("$bin" check --host-model "$src/signatures/models/sms-text.model" 2>&1); code=$?
check "check --host-model: an SMS text model: exit non-zero" [ "$code" -ne 0 ]
check "check --host-model: an SMS text model: FILE: kind" grep -q "sms-text.model: kind: sms_text where a model of kind url_host is needed (detection.host_model)" <<<"$out"
head -c 5000 "$src/signatures/models/url-host.model" > "$work/truncated-host.model"
out=$("$bin" check --host-model "$work/truncated-host.model" 2>&1)
check "check --host-model: a truncated host model: FILE: reason" grep -q "$work/truncated-host.model: .*truncated" <<<"$out"

out=$("$bin" try -c "$cfg" --call --from +84912345678 --to +842437001001 --ingress international --json)
check "try --call --ingress ROLE: the spoofing check" [ "$(json_get '["checks"]' <<<"$out")" = "['cli.domestic_on_international']" ]
check "try --call: action drop, not enforced in monitor mode" [ "$(json_get '["action"]+" "+str(v["enforced"])' <<<"$out")" = "drop False" ]
out=$("$bin" try -c "$cfg" --call --from +84912345678 --to +842437001001 --ingress intl-carrier --json)
check "try --ingress NAME: a configured trunk" [ "$(json_get '["trunk"]+"/"+v["role"]' <<<"$out")" = "intl-carrier/international" ]

printf 'hello there\nban lien quan vu an, lien he ngay\n\xff\xfe broken bytes\n' >"$work/lines.txt"
"$bin" try -c "$cfg" --sms-lines "$work/lines.txt" >"$work/lines.jsonl"; rc=$?
check "try --sms-lines: exit 0" [ $rc -eq 0 ]
check "try --sms-lines: one JSON object per line, in order" \
  python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if [x["hits"] for x in r]==[[],[9000007],[]] else 1)' "$work/lines.jsonl"
check "try --sms-lines: invalid UTF-8 becomes U+FFFD" grep -q '\\ufffd\|�' "$work/lines.jsonl"

{ head -c 2000000 /dev/zero | tr '\0' 'a'; echo " cong an trieu tap"; } >"$work/huge.txt"
out=$("$bin" try -c "$cfg" --sms-lines "$work/huge.txt")
check "try: a 2 MB text is viewed up to the bound, nothing past it matches" [ "$(json_get '["hits"]' <<<"$out")" = "[]" ]

out=$("$bin" check -c "$src/config/scamgate.yaml" 2>&1); rc=$?
check "check: the shipped packs, plan, lists and policy load and every shipped example passes" \
  bash -c "[ $rc -eq 0 ] && grep -q 'examples pass' <<<'$out'"
echo "     $out"

out=$("$bin" check -c "$cfg" 2>&1); rc=$?
check "check: the test config is valid and its 16 examples pass" bash -c "[ $rc -eq 0 ] && grep -q '7 signatures in .* 16 examples pass' <<<'$out'"

packs="$src/tests/detect"
plan="$src/config/numbering/vn.yaml"
make_cfg() {  # file, signatures (YAML list), plan, policy, [trunks yaml]
  cat >"$1" <<YAML
detection:
  signatures: $2
  numbering_plan: $3
  policy: $4
  cache_dir: ""
lists:
  brands: $src/config/lists/brands.txt
${5:-}
YAML
}
bad_check() {  # description, signatures, plan, policy, expected message (grep -F)
  local what=$1 message=$5
  make_cfg "$work/bad.yaml" "$2" "$3" "$4"
  "$bin" check -c "$work/bad.yaml" >/dev/null 2>"$work/err"; local rc=$?
  check "$what: exit non-zero" [ $rc -ne 0 ]
  check "$what: FILE:LINE message" grep -qF -- "$message" "$work/err"
}
bad_check "duplicate signature id" "[$packs/packs/small.yaml, $packs/bad/duplicate-id.yaml]" "$plan" "$packs/policy.yaml" \
  "$packs/bad/duplicate-id.yaml:3: signature id 9000001 is already used at $packs/packs/small.yaml:4"
bad_check "regex Hyperscan cannot compile" "[$packs/bad/bad-regex.yaml]" "$plan" "$packs/policy.yaml" \
  "$packs/bad/bad-regex.yaml:3: signature 9200001 (Lookbehind is not Hyperscan): Hyperscan rejected the pattern"
bad_check "failing signature example" "[$packs/bad/failing-example.yaml]" "$plan" "$packs/policy.yaml" \
  "$packs/bad/failing-example.yaml:3: signature 9300001 (Example that does not match): example must match but does not"
bad_check "numbering plan with overlapping ranges" "[$packs/packs/small.yaml]" "$src/tests/configs/bad-plans/overlap.yaml" \
  "$packs/policy.yaml" "$src/tests/configs/bad-plans/overlap.yaml:"
bad_check "bad policy" "[$packs/packs/small.yaml]" "$plan" "$src/tests/configs/bad-policies/unknown-check.yaml" \
  "unknown-check.yaml:3: rule 'x': unknown check 'cli.made_up'"

# Look-alike hosts of protected brands (lists.protected_brands), with the bundled registry.
brand_cfg() {  # file, registry
  cat >"$1" <<YAML
detection:
  signatures: [$packs/packs/small.yaml]
  numbering_plan: $plan
  policy: $packs/policy.yaml
  cache_dir: ""
lists:
  protected_brands: $2
YAML
}
brand_cfg "$work/lookalike.yaml" "$src/config/lists/protected-brands.yaml"
out=$("$bin" try -c "$work/lookalike.yaml" --sms "Tai khoan cua quy khach bi tam khoa, xac thuc tai http://vietcombank.com.vn-xacthuc.top/ ngay" --json)
check "try --json: url.brand_lookalike on a bank domain followed by more labels" \
  [ "$(json_get '["checks"]' <<<"$out")" = "['url.brand_lookalike']" ]
check "try --json: the evidence names the host, the brand and the technique" \
  [ "$(json_get '["check_details"][0]["evidence"]' <<<"$out")" = "host vietcombank.com.vn-xacthuc.top imitates Vietcombank (bank): its domain vietcombank.com.vn followed by more labels; action word 'xacthuc'" ]
check "try --json: the check's default score counts" [ "$(json_get '["check_details"][0]["score"]' <<<"$out")" = 50 ]
out=$("$bin" try -c "$work/lookalike.yaml" --sms "Dang nhap https://xn--vietcmbank-ivi.com.vn/ de nhan qua")
check "try: a punycode homoglyph of the bank's domain is url.brand_homoglyph (+70)" \
  grep -qF "check:        url.brand_homoglyph: host xn--vietcmbank-ivi.com.vn imitates Vietcombank (bank): internationalised name that reads as its domain vietcombank.com.vn +70" <<<"$out"
out=$("$bin" try -c "$work/lookalike.yaml" --sms "Vietcombank: xem sao ke tai https://vcbdigibank.vietcombank.com.vn/" --json)
check "try --json: the bank's own subdomain raises no check" [ "$(json_get '["checks"]' <<<"$out")" = "[]" ]

cat >"$work/brands.yaml" <<'YAML'
action_words: [xacthuc]
brand_words: [vn]
brands:
  - name: Example Bank
    kind: bank
    domains: [examplebank.vn]
    tokens: [examplebank]
    examples:
      match: [examplebank-xacthuc.top, plain.example.org]
      no_match: [examplebank.vn, www.examplebank.vn]
YAML
brand_cfg "$work/brand-cfg.yaml" "$work/brands.yaml"
"$bin" check -c "$work/brand-cfg.yaml" >/dev/null 2>"$work/err"; rc=$?
check "check: a failing protected-brand example: exit 1" [ $rc -eq 1 ]
check "check: a failing protected-brand example: FILE:LINE message" \
  grep -qF "$work/brands.yaml:9: protected brand 'Example Bank': example must match but does not (examples.match): \"plain.example.org\"" "$work/err"
check "check: the count of failed protected-brand examples" grep -qF "1 of 4 protected-brand examples failed" "$work/err"
sed -i 's/    tokens: \[examplebank\]/    tokens: [example-bank]/' "$work/brands.yaml"
"$bin" check -c "$work/brand-cfg.yaml" >/dev/null 2>"$work/err"; rc=$?
check "check: a bad protected-brand registry: exit 2 with FILE:LINE" \
  bash -c "[ $rc -eq 2 ] && grep -qF \"$work/brands.yaml:7: brand 'Example Bank': token 'example-bank' must be\" '$work/err'"

"$bin" replay -c "$cfg" --trunk "bad:international" "$src/pcaps/sipp-intl-trunk-cli.pcap" >/dev/null 2>"$work/err"; rc=$?
check "--trunk without a CIDR: exit 2 with the expected form" bash -c "[ $rc -eq 2 ] && grep -q 'expected NAME:ROLE:CIDR' '$work/err'"
make_cfg "$work/no-trunks.yaml" "[$packs/packs/small.yaml]" "$plan" "$packs/policy.yaml"
out=$("$bin" replay -c "$work/no-trunks.yaml" --trunk "t1:international:203.0.113.0/24" --events - "$src/pcaps/sipp-intl-trunk-cli.pcap" 2>/dev/null)
check "replay --trunk defines the trunk for the run: 3 spoofed calls dropped" \
  [ "$(grep -c '"rule": *"spoofed-cli"\|"rule":"spoofed-cli"' <<<"$out")" = 3 ]

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
