// Package kiosk is the ticket kiosk's printing side: an ESC/POS driver for
// the 58 and 80 mm thermal printers of Chinese halls (GB18030 text, native QR
// codes, status queries), the printed ticket's layout, and the connections to
// a printer on the network (tcp://HOST:9100) or a device file (/dev/usb/lp0).
// It uses the standard library and golang.org/x/text only.
package kiosk

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ESC/POS command bytes.
const (
	ESC = 0x1b
	GS  = 0x1d
	FS  = 0x1c
	DLE = 0x10
	EOT = 0x04
	LF  = 0x0a
)

// Paper is a printer's roll width in character columns of the standard font
// (12×24 dots): an ASCII character takes one column, a Chinese one two.
type Paper struct {
	Name    string
	Columns int
	QRDots  int // module size of the QR code, in dots
}

// The two roll widths halls use.
var (
	Paper58 = Paper{Name: "58mm", Columns: 32, QRDots: 6}
	Paper80 = Paper{Name: "80mm", Columns: 48, QRDots: 8}
)

// Align is a line's justification (ESC a n).
type Align byte

// Alignments.
const (
	Left   Align = 0
	Center Align = 1
	Right  Align = 2
)

// Doc builds the bytes of one print job. Methods append commands and return
// the Doc so a layout reads top to bottom.
type Doc struct {
	Paper Paper
	buf   bytes.Buffer
	scale int // current character width multiple (GS !)
}

// NewDoc starts a job for paper: initialise (ESC @) and Chinese character
// mode (FS &), so multi-byte GB18030 text prints as Chinese.
func NewDoc(p Paper) *Doc {
	d := &Doc{Paper: p, scale: 1}
	d.buf.Write([]byte{ESC, '@', FS, '&'})
	return d
}

// Bytes returns the job.
func (d *Doc) Bytes() []byte { return bytes.Clone(d.buf.Bytes()) }

// Align sets the justification of the following lines.
func (d *Doc) Align(a Align) *Doc {
	d.buf.Write([]byte{ESC, 'a', byte(a)})
	return d
}

// Bold turns emphasis on or off (ESC E n).
func (d *Doc) Bold(on bool) *Doc {
	d.buf.Write([]byte{ESC, 'E', b2b(on)})
	return d
}

// Size sets the character size multiples, 1–8 each (GS ! n); the Chinese
// characters follow it in Chinese mode too (FS ! for the double bits).
func (d *Doc) Size(w, h int) *Doc {
	w, h = clamp(w, 1, 8), clamp(h, 1, 8)
	d.buf.Write([]byte{GS, '!', byte((w-1)<<4 | (h - 1))})
	var fs byte
	if w > 1 {
		fs |= 0x04
	}
	if h > 1 {
		fs |= 0x08
	}
	d.buf.Write([]byte{FS, '!', fs})
	d.scale = w
	return d
}

// Columns is the number of columns a line holds at the current size.
func (d *Doc) Columns() int { return d.Paper.Columns / d.scale }

// Line prints s, wrapped to the line width at the current size, one LF per
// line. Text is encoded in GB18030; a character the encoding lacks prints
// as "?".
func (d *Doc) Line(s string) *Doc {
	for _, l := range Wrap(s, d.Columns()) {
		d.buf.Write(GB18030(l))
		d.buf.WriteByte(LF)
	}
	return d
}

// Hanging prints prefix then text, its following lines indented under the
// text (a numbered list item).
func (d *Doc) Hanging(prefix, text string) *Doc {
	indent := Width(prefix)
	cols := d.Columns() - indent
	if cols < 8 {
		return d.Line(prefix + text)
	}
	for i, l := range Wrap(text, cols) {
		p := prefix
		if i > 0 {
			p = spaces(indent)
		}
		d.buf.Write(GB18030(p + l))
		d.buf.WriteByte(LF)
	}
	return d
}

// Pair prints label on the left and value on the right of one line, or on
// two lines when they do not fit together.
func (d *Doc) Pair(label, value string) *Doc {
	cols := d.Columns()
	gap := cols - Width(label) - Width(value)
	if gap < 1 {
		return d.Line(label).Line(value)
	}
	return d.Line(label + spaces(gap) + value)
}

// Rule prints a dashed line across the paper.
func (d *Doc) Rule() *Doc {
	return d.Line(string(bytes.Repeat([]byte{'-'}, d.Columns())))
}

// Feed feeds n lines (ESC d n).
func (d *Doc) Feed(n int) *Doc {
	d.buf.Write([]byte{ESC, 'd', byte(clamp(n, 0, 255))})
	return d
}

// QR prints data as a native QR code (GS ( k, model 2, error correction M),
// with the paper's module size. data longer than 7089 bytes is cut.
func (d *Doc) QR(data string) *Doc {
	if len(data) > 7089 {
		data = data[:7089]
	}
	d.buf.Write([]byte{GS, '(', 'k', 4, 0, 49, 65, 50, 0})                // fn 165: model 2
	d.buf.Write([]byte{GS, '(', 'k', 3, 0, 49, 67, byte(d.Paper.QRDots)}) // fn 167: module size
	d.buf.Write([]byte{GS, '(', 'k', 3, 0, 49, 69, 49})                   // fn 169: level M
	n := len(data) + 3
	d.buf.Write([]byte{GS, '(', 'k', byte(n), byte(n >> 8), 49, 80, 48}) // fn 180: store
	d.buf.WriteString(data)
	d.buf.Write([]byte{GS, '(', 'k', 3, 0, 49, 81, 48}) // fn 181: print
	d.buf.WriteByte(LF)
	return d
}

// Cut feeds the paper to the cutter and cuts it, leaving a hinge (GS V 66 n).
func (d *Doc) Cut() *Doc {
	d.buf.Write([]byte{GS, 'V', 66, 3})
	return d
}

// GB18030 encodes s for the printer.
func GB18030(s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil { // only for invalid UTF-8: print what can be printed
		b, _ = simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(string(bytes.ToValidUTF8([]byte(s), []byte("?")))))
	}
	return b
}

// RuneWidth is the columns a character takes in Chinese mode: one for ASCII
// (a single GB18030 byte), two for everything else (a 24-dot wide glyph).
func RuneWidth(r rune) int {
	if r < utf8.RuneSelf {
		return 1
	}
	return 2
}

// Width is the columns s takes on paper at size 1.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// noLineStart are characters that must not begin a line (避头点): they stay
// with the character before them.
const noLineStart = "，。、；：？！）》」』】,.;:?!)%"

// Wrap breaks s into lines of at most cols columns: Chinese text anywhere,
// Latin words at spaces when a word fits on a line, closing punctuation
// kept with the character before it. Newlines in s start new lines.
func Wrap(s string, cols int) []string {
	if cols < 2 {
		cols = 2
	}
	var out []string
	for _, para := range bytes.Split([]byte(s), []byte("\n")) {
		out = append(out, wrapLine([]rune(string(para)), cols)...)
	}
	return out
}

func wrapLine(rs []rune, cols int) []string {
	var out []string
	for len(rs) > 0 {
		w, i := 0, 0
		for i < len(rs) && w+RuneWidth(rs[i]) <= cols {
			w += RuneWidth(rs[i])
			i++
		}
		if i == len(rs) {
			out = append(out, string(rs))
			break
		}
		brk := i
		// A Latin word cut in the middle goes whole to the next line.
		if isWordRune(rs[i]) && isWordRune(rs[i-1]) {
			j := i
			for j > 0 && isWordRune(rs[j-1]) {
				j--
			}
			if j > 0 {
				brk = j
			}
		}
		// Closing punctuation may not start a line: move the character
		// before it down too.
		for brk > 1 && containsRune(noLineStart, rs[brk]) {
			brk--
		}
		out = append(out, trimRight(string(rs[:brk])))
		rs = rs[brk:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && r != ' ' && r != '-' && r != '/'
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

func trimRight(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func spaces(n int) string { return string(bytes.Repeat([]byte{' '}, n)) }

func b2b(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
