package cases

import (
	"strings"
	"unicode"
)

// Normalize folds text for matching: full-width letters and digits become
// half-width, upper case becomes lower case, common traditional characters of
// the power business become simplified (電費→电费), and everything that is not
// a letter or a digit (spaces, punctuation, symbols, emoji) is dropped.
// Keywords are normalised the same way, so "ＥＶ充電樁！" finds "ev充电桩".
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f, ok := fold(r); ok {
			b.WriteRune(f)
		}
	}
	return b.String()
}

// fold maps one rune to its normal form; ok is false for runes that are
// dropped.
func fold(r rune) (rune, bool) {
	if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
		r -= 0xFEE0
	}
	if t, ok := traditional[r]; ok {
		r = t
	}
	r = unicode.ToLower(r)
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return r, true
	}
	return 0, false
}

// traditional maps the traditional characters most often met in the words of
// the catalog to their simplified forms.
var traditional = map[rune]rune{
	'電': '电', '費': '费', '錶': '表', '戶': '户', '號': '号', '繳': '缴', '過': '过', '發': '发',
	'報': '报', '裝': '装', '檢': '检', '驗': '验', '準': '准', '換': '换', '價': '价', '階': '阶',
	'產': '产', '權': '权', '證': '证', '單': '单', '據': '据', '賬': '账', '帳': '账', '轉': '转',
	'賣': '卖', '買': '买', '補': '补', '貼': '贴', '壓': '压', '線': '线', '桿': '杆', '斷': '断',
	'傾': '倾', '維': '维', '搶': '抢', '鄰': '邻', '隱': '隐', '員': '员', '態': '态', '訴': '诉',
	'議': '议', '關': '关', '銷': '销', '違': '违', '約': '约', '滯': '滞', '納': '纳', '減': '减',
	'額': '额', '開': '开', '復': '复', '暫': '暂', '遷': '迁', '門': '门', '廳': '厅', '營': '营',
	'業': '业', '務': '务', '辦': '办', '詢': '询', '問': '问', '樁': '桩', '車': '车', '動': '动',
	'網': '网', '國': '国', '測': '测', '錢': '钱', '這': '这', '個': '个', '麼': '么', '嗎': '吗',
	'為': '为', '們': '们', '臺': '台', '颱': '台', '燈': '灯', '閃': '闪', '燒': '烧', '壞': '坏',
	'賠': '赔', '償': '偿', '擾': '扰', '調': '调', '錄': '录', '刪': '删', '優': '优', '貴': '贵',
	'歲': '岁', '殘': '残', '療': '疗', '應': '应', '該': '该', '聯': '联', '係': '系', '機': '机',
	'碼': '码', '實': '实', '際': '际', '總': '总', '廠': '厂', '變': '变', '擴': '扩', '臨': '临',
	'時': '时', '設': '设', '備': '备', '稅': '税', '寫': '写', '讓': '让', '幫': '帮', '給': '给',
	'說': '说', '對': '对', '還': '还', '沒': '没', '來': '来', '預': '预', '隊': '队', '難': '难',
	'貧': '贫', '層': '层', '樓': '楼', '鄉': '乡',
}
