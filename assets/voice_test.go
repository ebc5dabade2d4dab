package assets

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// voiceManifest is assets/voice/manifest.json: every clip with its spoken
// text and its length in ms.
type voiceManifest struct {
	Chime struct {
		File string `json:"file"`
		MS   int    `json:"ms"`
	} `json:"chime"`
	Langs map[string]struct {
		Clips map[string]struct {
			Text string `json:"text"`
			MS   int    `json:"ms"`
		} `json:"clips"`
	} `json:"langs"`
}

// oggCRC is the Ogg page checksum: CRC-32, polynomial 0x04c11db7, not
// reflected, initial value 0.
var oggCRC = func() *[256]uint32 {
	var t [256]uint32
	for i := range t {
		r := uint32(i) << 24
		for k := 0; k < 8; k++ {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return &t
}()

// opusDuration checks that b is a well-formed single-stream Ogg Opus file
// (every page's capture pattern and checksum, the OpusHead and OpusTags
// headers, audio after them) and returns its playing time in ms: the last
// page's granule position less the pre-skip, at 48 kHz.
func opusDuration(b []byte) (float64, error) {
	var preSkip uint16
	var granule uint64
	var packets, pages int
	var pending []byte // a packet continued on the next page
	for off := 0; off < len(b); pages++ {
		if len(b)-off < 27 || string(b[off:off+4]) != "OggS" {
			return 0, fmt.Errorf("page %d at byte %d: no Ogg capture pattern", pages, off)
		}
		nseg := int(b[off+26])
		if len(b)-off < 27+nseg {
			return 0, errors.New("truncated page header")
		}
		lacing := b[off+27 : off+27+nseg]
		size := 0
		for _, l := range lacing {
			size += int(l)
		}
		end := off + 27 + nseg + size
		if end > len(b) {
			return 0, errors.New("truncated page")
		}
		page := append([]byte(nil), b[off:end]...)
		want := binary.LittleEndian.Uint32(page[22:])
		page[22], page[23], page[24], page[25] = 0, 0, 0, 0
		var crc uint32
		for _, c := range page {
			crc = crc<<8 ^ oggCRC[byte(crc>>24)^c]
		}
		if crc != want {
			return 0, fmt.Errorf("page %d: checksum %08x, want %08x", pages, crc, want)
		}
		granule = binary.LittleEndian.Uint64(b[off+6:])
		body := b[off+27+nseg : end]
		for _, l := range lacing {
			pending = append(pending, body[:l]...)
			body = body[l:]
			if l == 255 {
				continue
			}
			switch packets {
			case 0:
				if len(pending) < 19 || string(pending[:8]) != "OpusHead" {
					return 0, errors.New("first packet is not OpusHead")
				}
				if ch := pending[9]; ch != 1 {
					return 0, fmt.Errorf("%d channels, want mono", ch)
				}
				preSkip = binary.LittleEndian.Uint16(pending[10:])
			case 1:
				if len(pending) < 8 || string(pending[:8]) != "OpusTags" {
					return 0, errors.New("second packet is not OpusTags")
				}
			default:
				if len(pending) == 0 {
					return 0, fmt.Errorf("empty audio packet %d", packets)
				}
			}
			packets++
			pending = pending[:0]
		}
		off = end
	}
	if packets < 3 {
		return 0, errors.New("no audio packets")
	}
	return float64(int64(granule)-int64(preSkip)) / 48, nil
}

// TestVoiceClips: every clip listed in the manifest is in the embedded files,
// is a valid mono Ogg Opus stream, and plays as long as the manifest says
// (the browser tests take the backlog timing from those figures), within
// bounds that keep one call short.
func TestVoiceClips(t *testing.T) {
	raw, err := FS.ReadFile("voice/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m voiceManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	type clip struct {
		path string
		ms   int
	}
	clips := []clip{{"voice/" + m.Chime.File, m.Chime.MS}}
	for lang, l := range m.Langs {
		for name, c := range l.Clips {
			clips = append(clips, clip{"voice/" + lang + "/" + name + ".opus", c.MS})
		}
	}
	if len(clips) < 250 {
		t.Fatalf("%d clips in the manifest, want the Mandarin phrase set (digit pairs, N号, 到N号窗口 for 1-99)", len(clips))
	}
	total := 0
	for _, c := range clips {
		b, err := FS.ReadFile(c.path)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		total += len(b)
		d, err := opusDuration(b)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if d < 150 || d > 4000 {
			t.Errorf("%s plays %.0f ms, want 150-4000 ms", c.path, d)
		}
		if diff := d - float64(c.ms); diff < -25 || diff > 25 {
			t.Errorf("%s plays %.0f ms, the manifest says %d ms", c.path, d, c.ms)
		}
	}
	if total > 1500<<10 {
		t.Errorf("the clips take %d KB, want at most 1500 KB in the binary", total>>10)
	}
	t.Logf("%d clips, %d KB", len(clips), total>>10)
}

// TestOpusDurationRejects: a damaged clip is reported, not measured.
func TestOpusDurationRejects(t *testing.T) {
	b, err := FS.ReadFile("voice/zh/qing.opus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opusDuration(b); err != nil {
		t.Fatalf("intact clip: %v", err)
	}
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)-5] ^= 0x40
	if _, err := opusDuration(flipped); err == nil {
		t.Error("a flipped bit in the audio passed")
	}
	if _, err := opusDuration(b[:len(b)-7]); err == nil {
		t.Error("a truncated clip passed")
	}
	if _, err := opusDuration([]byte("RIFF....WAVE")); err == nil {
		t.Error("a WAV file passed as Opus")
	}
}
