#!/usr/bin/env bash
# gen.sh - regenerate hallq's offline voice clips (Mandarin and English).
#
# The hall display cannot rely on an online or OS speech voice (Chromium on
# the display PC has no offline Chinese voice), so every word the display
# says is a short recorded clip, played one after another by
# assets/js/voice.js.  This script makes those clips with espeak-ng, cleans
# them up with sox and encodes them as Ogg Opus:
#
#   chime.opus            two-tone ding-dong played before a call
#   zh/*.opus  en/*.opus  digits, counter-number words, letters, phrases
#   manifest.json         clip names, spoken text and duration per language
#
# Needs (Debian):  apt-get install -y espeak-ng opus-tools sox
#
# Usage:  assets/voice/gen.sh          (not run by make test; commit its output)
#
# The script is idempotent: it builds everything in a temporary directory and
# then replaces the clips, dropping any clip no longer listed below.  With the
# same tool versions the output is byte-for-byte identical (fixed Ogg serial
# numbers, sox run with -R), so re-running it leaves git clean.
#
# Knobs (environment):
#   ZH_VOICE  espeak-ng voice for Mandarin   (default cmn-latn-pinyin)
#   EN_VOICE  espeak-ng voice for English    (default en-us)
#   VARIANT   espeak-ng variant whose formants the voice takes (default f3,
#             a female voice, as Chinese halls' calling voices are)
#   ZH_PITCH  "base range" in Hz of the Mandarin voice (default "145 340":
#             Mandarin's own "80 118" squeezes the four tones into about
#             4 semitones, this gives them 7-9)
#   EN_PITCH  "base range" of the English voice (default "140 240")
#   ZH_ONE    how a ticket's digit 1 is said: yi1 (一, default) or yao1 (幺)
#   KLATT     espeak-ng's Klatt voice source 1-4 instead of its own (default
#             none; "4" is the candidate compared in README.md)
#   ZH_SPEED  words per minute for Mandarin  (default 160)
#   EN_SPEED  words per minute for English   (default 150)
#   BITRATE   Opus bitrate in kbit/s         (default 20)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

ZH_VOICE=${ZH_VOICE:-cmn-latn-pinyin}
EN_VOICE=${EN_VOICE:-en-us}
VARIANT=${VARIANT:-f3}
ZH_PITCH=${ZH_PITCH:-145 340}
EN_PITCH=${EN_PITCH:-140 240}
KLATT=${KLATT:-}
ZH_ONE=${ZH_ONE:-yi1}
ZH_SPEED=${ZH_SPEED:-160}
EN_SPEED=${EN_SPEED:-150}
BITRATE=${BITRATE:-20}

for tool in espeak-ng sox soxi opusenc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "gen.sh: $tool not found; apt-get install -y espeak-ng opus-tools sox" >&2
		exit 1
	fi
done

# The Mandarin texts below are pinyin with tone numbers, which only the
# "latin as pinyin" voice understands.  The plain "cmn" voice reads latin
# letters as English, and Debian's espeak-ng-data does not carry the full
# Chinese-character dictionary, so there is no usable fallback: stop here.
if ! espeak-ng --voices=cmn | awk '{print $2}' | grep -qx "$ZH_VOICE"; then
	echo "gen.sh: espeak-ng voice $ZH_VOICE not installed (espeak-ng --voices=cmn)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out/zh" "$tmp/out/en"

# A private copy of espeak-ng's data with two voice variants of our own,
# hallq-zh and hallq-en: the formants of $VARIANT with our pitch and range.
# (A voice's pitch line is "base range" in Hz; the Mandarin language file's
# own is 80 118, a low voice whose tones span only ~4 semitones.)
data=$(espeak-ng --version | sed -n 's/.*Data at: *//p')
if [[ ! -d $data/voices/'!v' ]]; then
	echo "gen.sh: espeak-ng data not found (espeak-ng --version says '$data')" >&2
	exit 1
fi
mkdir -p "$tmp/espeak"
cp -r "$data" "$tmp/espeak/espeak-ng-data"
for v in zh en; do
	pitch=$ZH_PITCH
	[[ $v == en ]] && pitch=$EN_PITCH
	sed -e "s/^name .*/name hallq-$v/" -e "s/^pitch .*/pitch $pitch/" \
		"$data/voices/!v/$VARIANT" >"$tmp/espeak/espeak-ng-data/voices/!v/hallq-$v"
	if [[ -n $KLATT ]]; then echo "klatt $KLATT" >>"$tmp/espeak/espeak-ng-data/voices/!v/hallq-$v"; fi
done

manifest_zh=()   # JSON members, one per clip
manifest_en=()

json_escape() { # minimal: the texts here contain no control characters
	local s=${1//\\/\\\\}
	printf '%s' "${s//\"/\\\"}"
}

# encode WAV OUT.opus KIND  (KIND is speech or music, an opusenc tuning).
# The Ogg stream serial is derived from the clip's path instead of being
# random, so the same input always gives the same file.
encode() {
	local serial
	serial=$(printf '%s' "${2#"$tmp/out/"}" | cksum | awk '{print $1 % 2147483647}')
	opusenc --quiet --bitrate "$BITRATE" --downmix-mono --"$3" \
		--padding 0 --serial "$serial" "$1" "$2"
}

# say LANG NAME TEXT [DISPLAY]: speak TEXT, trim silence, encode LANG/NAME.opus
say() {
	local lang=$1 name=$2 text=$3 display=${4:-$3} voice=${5:-} speed
	case $lang in
	zh) voice=${voice:-$ZH_VOICE} speed=$ZH_SPEED ;;
	en) voice=${voice:-$EN_VOICE} speed=$EN_SPEED ;;
	esac
	local variant=+hallq-zh
	[[ $voice == "$EN_VOICE" ]] && variant=+hallq-en
	local raw=$tmp/$lang-$name.raw.wav wav=$tmp/$lang-$name.wav
	espeak-ng --path="$tmp/espeak" -v "$voice$variant" -s "$speed" -w "$raw" -- "$text"
	# Peak-normalise first so the silence threshold is relative, cut leading
	# and trailing silence (clips are chained, espeak pads ~0.1-0.3 s each
	# side), keep a breath of padding, normalise to -1 dBFS.
	sox -R "$raw" -c 1 -b 16 "$wav" \
		gain -n -3 \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse \
		pad 0.02 0.04 \
		gain -n -1
	encode "$wav" "$tmp/out/$lang/$name.opus" speech
	local ms
	ms=$(soxi -D "$wav" | awk '{printf "%d", $1 * 1000 + 0.5}')
	local member
	member=$(printf '"%s": {"text": "%s", "ms": %d}' "$name" "$(json_escape "$display")" "$ms")
	if [[ $lang == zh ]]; then manifest_zh+=("$member"); else manifest_en+=("$member"); fi
}

# ---------------------------------------------------------------- chime
# Ding (G5) then dong (E5), each a sine with a quiet octave partial and a
# bell-like logarithmic decay; the dong starts 0.30 s after the ding and the
# chime lasts 0.85 s (it was 1.15 s: the first of a burst of calls waits
# for it, and so does everyone behind).
sox -R -n -r 48000 -c 1 -b 16 "$tmp/ding.wav" synth 0.50 sine 784 sine 1568 \
	remix 1v0.85,2v0.15 fade q 0.005 0.50 0.45
sox -R -n -r 48000 -c 1 -b 16 "$tmp/dong.wav" synth 0.55 sine 659 sine 1318 \
	remix 1v0.85,2v0.15 fade q 0.005 0.55 0.50 pad 0.30 0
sox -R -m "$tmp/ding.wav" "$tmp/dong.wav" -b 16 "$tmp/chime.wav" gain -n -8
encode "$tmp/chime.wav" "$tmp/out/chime.opus" music
chime_ms=$(soxi -D "$tmp/chime.wav" | awk '{printf "%d", $1 * 1000 + 0.5}')

# ---------------------------------------------------------------- Mandarin
# A call is chained from a few clips, each spoken by espeak-ng as one phrase
# (so its syllables are joined, shortened and intoned as in a sentence,
# instead of every syllable said on its own):
#
#   请 · A · 零二 · 三号 · 到三号窗口 · 办理
#
# Ticket digits are read one by one (A023 = A 零 二 三, never 二十三): the
# digits before the last go in pairs (p00-p99, a leftover single digit uses
# 0-9) and the last digit is said with 号 (h0-h9).  The counter is one clip
# "到 N 号窗口" for counters 1-99 (c1-c99), read naturally (十二, 二十一).
zh_digits=(ling2 yi1 er4 san1 si4 wu3 liu4 qi1 ba1 jiu3)
zh_hanzi=(零 一 二 三 四 五 六 七 八 九)
# Ticket digits (read one by one) may say 1 as 幺 (ZH_ONE=yao1), the way
# Chinese reads digit strings such as 110: the letter E is then never
# close to a digit (README.md, "How different the confusable words sound").
# Counters are numbers (十一号窗口) and keep 一.
tk_digits=("${zh_digits[@]}") tk_hanzi=("${zh_hanzi[@]}")
if [[ $ZH_ONE != yi1 ]]; then tk_digits[1]=$ZH_ONE tk_hanzi[1]=幺; fi
for d in {0..9}; do
	say zh "$d" "${tk_digits[d]}" "${tk_hanzi[d]}"
	say zh "h$d" "${tk_digits[d]} hao4" "${tk_hanzi[d]}号"
	for e in {0..9}; do
		say zh "p$d$e" "${tk_digits[d]} ${tk_digits[e]}" "${tk_hanzi[d]}${tk_hanzi[e]}"
	done
done
# Counters 1-99 the natural way: 3 三, 10 十, 12 十二, 20 二十, 21 二十一.
for n in {1..99}; do
	tens=$((n / 10)) units=$((n % 10)) py= hz=
	if ((tens > 1)); then py="${zh_digits[tens]} " hz=${zh_hanzi[tens]}; fi
	if ((tens > 0)); then py+="shi2 " hz+=十; fi
	if ((units > 0)); then py+="${zh_digits[units]} " hz+=${zh_hanzi[units]}; fi
	say zh "c$n" "dao4 ${py}hao4 chuang1 kou3" "到${hz}号窗口"
	# The backlog's short form (A 零二 三，三号窗口) has no 到: w3 is 0.18 s
	# shorter than c3.
	say zh "w$n" "${py}hao4 chuang1 kou3" "${hz}号窗口"
done

# Letters: Chinese halls say ticket-prefix letters as English letter names
# (A = ei, B = bi, E = i, ...).  They are spoken by the English voice with
# the same variant, so the timbre matches the rest of the sentence.  (The
# pinyin voice would say E as yì, the syllable of 一.)
for l in {A..Z}; do
	say zh "$l" "$l" "$l" "$EN_VOICE"
done

say zh qing "qing3" "请"
say zh banli "ban4 li3" "办理"
say zh rate "qing3 nin2 dui4 wo3 de5 fu2 wu4 zuo4 chu1 ping2 jia4" "请您对我的服务做出评价"
# A recall is worded differently (A023 号，请到 3 号窗口，再次呼叫), and when
# calls queue up the short form (A 零二 三，三号窗口: no 请, 号, 到 or 办理)
# keeps the wait short.
say zh zaici_hujiao "zai4 ci4 hu1 jiao4" "再次呼叫"
# A ticket number ending in a letter, and counters that are not 1-99
# (their digits are read one by one): 号 · 到 · 号窗口.
say zh hao "hao4" "号"
say zh dao "dao4" "到"
say zh hao_chuangkou "hao4 chuang1 kou3" "号窗口"

# ---------------------------------------------------------------- English
en_words=(zero one two three four five six seven eight nine
	ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen)
for n in {0..19}; do
	say en "$n" "${en_words[n]}"
done
en_tens=([2]=twenty [3]=thirty [4]=forty [5]=fifty [6]=sixty [7]=seventy [8]=eighty [9]=ninety)
for t in {2..9}; do
	say en "${t}0" "${en_tens[t]}"
done
for l in {A..Z}; do
	say en "$l" "$l"
done
# A trailing comma gives espeak's continuation (not final) intonation.
say en number "Number," "Number"
say en go_to_counter "please go to counter," "please go to counter"
say en rate "Please rate my service." "Please rate my service."
# Short form (A023, counter three) and the recall's ending.
say en counter "counter" "counter"
say en second_call "second call." "second call"

# ---------------------------------------------------------------- manifest
join_members() {
	local first=1 m
	for m in "$@"; do
		if ((first)); then first=0; else printf ',\n'; fi
		printf '      %s' "$m"
	done
	printf '\n'
}
{
	printf '{\n'
	printf '  "generator": "assets/voice/gen.sh",\n'
	printf '  "format": "Ogg Opus, mono, %d kbit/s",\n' "$BITRATE"
	printf '  "chime": {"file": "chime.opus", "ms": %d},\n' "$chime_ms"
	printf '  "langs": {\n'
	printf '    "zh": {\n'
	printf '      "voice": "espeak-ng -v %s+%s (pitch %s) -s %s, letters %s",\n' "$ZH_VOICE" "$VARIANT${KLATT:+ klatt $KLATT}" "$ZH_PITCH" "$ZH_SPEED" "$EN_VOICE"
	printf '      "clips": {\n'
	join_members "${manifest_zh[@]}" | sed 's/^/  /'
	printf '      }\n'
	printf '    },\n'
	printf '    "en": {\n'
	printf '      "voice": "espeak-ng -v %s+%s (pitch %s) -s %s",\n' "$EN_VOICE" "$VARIANT${KLATT:+ klatt $KLATT}" "$EN_PITCH" "$EN_SPEED"
	printf '      "clips": {\n'
	join_members "${manifest_en[@]}" | sed 's/^/  /'
	printf '      }\n'
	printf '    }\n'
	printf '  }\n'
	printf '}\n'
} >"$tmp/out/manifest.json"

# ---------------------------------------------------------------- install
rm -f chime.opus manifest.json zh/*.opus en/*.opus
mkdir -p zh en
mv "$tmp/out/chime.opus" "$tmp/out/manifest.json" .
mv "$tmp/out/zh/"*.opus zh/
mv "$tmp/out/en/"*.opus en/

total=$(du -cb chime.opus zh/*.opus en/*.opus | tail -1 | cut -f1)
count=$(ls chime.opus zh/*.opus en/*.opus | wc -l)
echo "gen.sh: $count clips, $total bytes in $here"
