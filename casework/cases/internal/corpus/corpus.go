// Package corpus reads the labelled phrasings in casework/cases/corpus and holds
// the rule of the frozen test split.
//
// Each file is one writer's phrasings, one JSON object a line:
// {"text","class","topic","style","item"}. The writers (w1…) wrote them
// without seeing the catalog; "item" is our mapping of each line to a catalog
// item, "class" is the writer's own label (corrections.jsonl, if present,
// relabels single lines, each with its reason; none exists: no writer's label
// has been changed). authors.jsonl holds
// the phrasings written with the catalog (phrasings_test.go); it is training
// data only, never tested on here.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Line is one labelled phrasing.
type Line struct {
	Text   string `json:"text"`
	Class  string `json:"class"`
	Topic  string `json:"topic,omitempty"`
	Style  string `json:"style,omitempty"`
	Item   string `json:"item,omitempty"`
	Writer string `json:"-"` // the file's name without .jsonl
}

// Authors is the writer name of the phrasings written with the catalog.
const Authors = "authors"

// InTest reports whether a line belongs to the frozen test split: every line
// of the held-out writers (HeldOut), and a deterministic 20 % of each other
// independent writer's lines, chosen by a hash of writer and text (FNV-1a 32,
// remainder 0 of 5), fixed before any model was trained. The authors'
// phrasings are never in it.
func InTest(l Line) bool {
	if l.Writer == Authors {
		return false
	}
	if HeldOut(l) {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(l.Writer))
	h.Write([]byte{0})
	h.Write([]byte(l.Text))
	return h.Sum32()%5 == 0
}

// heldOut are the writers no line of whom is ever trained on: their whole
// sets measure the model as the outside sets do (people who never saw the
// catalog, each alone, none of whose words the model learnt). They were
// chosen by their brief, not by their figures: w79–w84, held back whole the
// day they were written (a city hall, a county-town hall, the kiosk's text
// box, hard-to-tell asks, an international district, a Monday after a
// storm), and of the next round the four whose brief was an ordinary day's
// mix at a hall (w85, w86: a northern and a southern city; w96: a district
// hall's kiosk; w99: a development zone).
var heldOut = []string{"w79", "w80", "w81", "w82", "w83", "w84", "w85", "w86", "w96", "w99"}

// HeldOut reports whether a line is a held-out writer's (see heldOut).
func HeldOut(l Line) bool { return slices.Contains(heldOut, l.Writer) }

// Split parts lines into the training lines, the line split's test lines and
// the held-out writers' lines (InTest holds for both of the last two).
func Split(lines []Line) (train, test, held []Line) {
	for _, l := range lines {
		switch {
		case HeldOut(l):
			held = append(held, l)
		case InTest(l):
			test = append(test, l)
		default:
			train = append(train, l)
		}
	}
	return train, test, held
}

// Fold returns the cross-validation fold (0–4) of a training line, by another
// hash than InTest's.
func Fold(l Line) int {
	h := fnv.New32a()
	h.Write([]byte("fold"))
	h.Write([]byte(l.Writer))
	h.Write([]byte{0})
	h.Write([]byte(l.Text))
	return int(h.Sum32()/7) % 5
}

// Load reads every *.jsonl file of dir (corrections.jsonl applies to the
// others), in name order.
func Load(dir string) ([]Line, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []Line
	fixes := map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		if name == "corrections" {
			var cs []Correction
			if err := readJSONL(f, &cs); err != nil {
				return nil, err
			}
			for _, c := range cs {
				fixes[c.Writer+"\x00"+c.Text] = c.To
			}
			continue
		}
		var lines []Line
		if err := readJSONL(f, &lines); err != nil {
			return nil, err
		}
		for i := range lines {
			lines[i].Writer = name
		}
		out = append(out, lines...)
	}
	for i, l := range out {
		if c, ok := fixes[l.Writer+"\x00"+l.Text]; ok {
			out[i].Class = c
		}
	}
	return out, nil
}

// ReadFile reads one writer's file; the writer is the file's name without
// .jsonl.
func ReadFile(path string) ([]Line, error) {
	var lines []Line
	if err := readJSONL(path, &lines); err != nil {
		return nil, err
	}
	for i := range lines {
		lines[i].Writer = strings.TrimSuffix(filepath.Base(path), ".jsonl")
	}
	return lines, nil
}

// Correction relabels one writer's line whose class is plainly a mistake
// against the class definitions of DESIGN.md, with the reason.
type Correction struct {
	Writer string `json:"writer"`
	Text   string `json:"text"`
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

func readJSONL[T any](path string, out *[]T) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		*out = append(*out, v)
	}
	return sc.Err()
}
