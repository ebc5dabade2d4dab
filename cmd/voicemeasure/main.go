// Command voicemeasure measures recorded voice clips for the comparison in
// assets/voice/README.md. It reads 16-bit PCM WAV files (opusdec --rate 16000
// turns the committed Opus clips into those) and prints, per file, its
// duration and the pitch (F0) of its voiced frames: median in Hz and the
// spread between the 5th and 95th percentile in semitones, the figure that
// shows whether Mandarin tones are squeezed flat.
//
//	voicemeasure a.wav b.wav ...          pitch and duration of each file
//	voicemeasure -dist x.wav y.wav ...     spectral distance of every pair
//
// -dist prints, for each pair of files, the mean distance between their
// cepstra after dynamic time warping: how different two words sound (二 vs
// the letter E, say); 0 is identical, larger is more distinct. Both numbers
// are coarse and meant for comparing clip sets with each other, not as
// absolute measures. The tracker is a plain normalised autocorrelation over
// 40 ms frames every 10 ms, searching 60–400 Hz.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

func main() {
	dist := flag.Bool("dist", false, "print the spectral distance of every pair of files")
	flag.Parse()
	var sigs []signal
	for _, path := range flag.Args() {
		s, err := readWAV(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "voicemeasure:", err)
			os.Exit(1)
		}
		s.name = path
		sigs = append(sigs, s)
	}
	if *dist {
		for i := range sigs {
			for j := i + 1; j < len(sigs); j++ {
				fmt.Printf("%-28s %-28s %.2f\n", sigs[i].name, sigs[j].name, distance(sigs[i], sigs[j]))
			}
		}
		return
	}
	fmt.Printf("%-36s %7s %6s %7s %7s %7s %6s\n", "file", "ms", "voiced", "F0 p50", "F0 p5", "F0 p95", "semit")
	for _, s := range sigs {
		f0 := pitch(s)
		if len(f0) == 0 {
			fmt.Printf("%-36s %7d %6d\n", s.name, s.ms(), 0)
			continue
		}
		sort.Float64s(f0)
		p := func(q float64) float64 { return f0[int(q*float64(len(f0)-1))] }
		fmt.Printf("%-36s %7d %6d %7.0f %7.0f %7.0f %6.1f\n", s.name, s.ms(), len(f0), p(0.5), p(0.05), p(0.95),
			12*math.Log2(p(0.95)/p(0.05)))
	}
}

type signal struct {
	name string
	rate int
	x    []float64
}

func (s signal) ms() int { return len(s.x) * 1000 / s.rate }

// readWAV reads a mono or stereo 16-bit PCM WAV file (stereo is averaged).
func readWAV(path string) (signal, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return signal{}, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return signal{}, fmt.Errorf("%s: not a WAV file", path)
	}
	var rate, channels, bits int
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8:]
		if size > len(body) {
			size = len(body)
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return signal{}, fmt.Errorf("%s: %w", path, io.ErrUnexpectedEOF)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
		case "data":
			if bits != 16 || channels < 1 || rate <= 0 {
				return signal{}, fmt.Errorf("%s: want 16-bit PCM, have %d bits, %d channels", path, bits, channels)
			}
			n := len(body) / 2 / channels
			x := make([]float64, n)
			for i := 0; i < n; i++ {
				var sum float64
				for c := 0; c < channels; c++ {
					sum += float64(int16(binary.LittleEndian.Uint16(body[2*(i*channels+c):])))
				}
				x[i] = sum / float64(channels) / 32768
			}
			return signal{rate: rate, x: x}, nil
		}
		off += 8 + size + size%2
	}
	return signal{}, fmt.Errorf("%s: %w", path, errors.New("no data chunk"))
}

// pitch returns the F0 (Hz) of each voiced 40 ms frame, every 10 ms.
func pitch(s signal) []float64 {
	win, hop := s.rate*40/1000, s.rate*10/1000
	minLag, maxLag := s.rate/400, s.rate/60
	var peak float64
	for _, v := range s.x {
		peak = math.Max(peak, math.Abs(v))
	}
	var out []float64
	for start := 0; start+win+maxLag <= len(s.x); start += hop {
		frame := s.x[start : start+win+maxLag]
		var energy float64
		for _, v := range frame[:win] {
			energy += v * v
		}
		if math.Sqrt(energy/float64(win)) < 0.05*peak {
			continue // silence or a quiet consonant
		}
		best, bestLag := 0.0, 0
		for lag := minLag; lag <= maxLag; lag++ {
			var num, e1, e2 float64
			for i := 0; i < win; i++ {
				num += frame[i] * frame[i+lag]
				e1 += frame[i] * frame[i]
				e2 += frame[i+lag] * frame[i+lag]
			}
			if r := num / math.Sqrt(e1*e2+1e-12); r > best {
				best, bestLag = r, lag
			}
		}
		if best < 0.75 {
			continue // unvoiced
		}
		// Prefer the shortest lag nearly as good as the best (octave errors).
		for k := 2; k <= 4; k++ {
			lag := bestLag / k
			if lag < minLag {
				break
			}
			var num, e1, e2 float64
			for i := 0; i < win; i++ {
				num += frame[i] * frame[i+lag]
				e1 += frame[i] * frame[i]
				e2 += frame[i+lag] * frame[i+lag]
			}
			if num/math.Sqrt(e1*e2+1e-12) > 0.9*best {
				bestLag = lag
			}
		}
		out = append(out, float64(s.rate)/float64(bestLag))
	}
	return out
}

// cepstra returns 12 mel-cepstral coefficients per 25 ms frame, every 10 ms,
// of the frames above the silence threshold.
func cepstra(s signal) [][]float64 {
	const bands, coefs, nfft = 24, 12, 512
	win, hop := s.rate*25/1000, s.rate*10/1000
	if win > nfft {
		win = nfft
	}
	mel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	edges := make([]float64, bands+2)
	for i := range edges {
		m := mel(100) + (mel(float64(s.rate)/2)-mel(100))*float64(i)/float64(bands+1)
		edges[i] = 700 * (math.Pow(10, m/2595) - 1)
	}
	var peak float64
	for _, v := range s.x {
		peak = math.Max(peak, math.Abs(v))
	}
	var out [][]float64
	re, im := make([]float64, nfft/2+1), make([]float64, nfft/2+1)
	for start := 0; start+win <= len(s.x); start += hop {
		var energy float64
		for _, v := range s.x[start : start+win] {
			energy += v * v
		}
		if math.Sqrt(energy/float64(win)) < 0.03*peak {
			continue
		}
		for k := range re {
			re[k], im[k] = 0, 0
			for i := 0; i < win; i++ {
				w := 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(win-1))
				a := -2 * math.Pi * float64(k*i) / nfft
				re[k] += s.x[start+i] * w * math.Cos(a)
				im[k] += s.x[start+i] * w * math.Sin(a)
			}
		}
		logE := make([]float64, bands)
		for b := 0; b < bands; b++ {
			var sum float64
			for k := range re {
				f := float64(k) * float64(s.rate) / nfft
				var w float64
				switch {
				case f > edges[b] && f <= edges[b+1]:
					w = (f - edges[b]) / (edges[b+1] - edges[b])
				case f > edges[b+1] && f < edges[b+2]:
					w = (edges[b+2] - f) / (edges[b+2] - edges[b+1])
				}
				sum += w * (re[k]*re[k] + im[k]*im[k])
			}
			logE[b] = math.Log(sum + 1e-10)
		}
		c := make([]float64, coefs)
		for n := 1; n <= coefs; n++ { // c0 (loudness) left out
			for b := 0; b < bands; b++ {
				c[n-1] += logE[b] * math.Cos(math.Pi*float64(n)*(float64(b)+0.5)/bands)
			}
		}
		out = append(out, c)
	}
	return out
}

// distance is the mean Euclidean distance of aligned cepstral frames
// (dynamic time warping, path length normalised).
func distance(a, b signal) float64 {
	x, y := cepstra(a), cepstra(b)
	if len(x) == 0 || len(y) == 0 {
		return math.NaN()
	}
	d := func(i, j int) float64 {
		var s float64
		for k := range x[i] {
			s += (x[i][k] - y[j][k]) * (x[i][k] - y[j][k])
		}
		return math.Sqrt(s)
	}
	type cell struct{ cost, steps float64 }
	prev, cur := make([]cell, len(y)), make([]cell, len(y))
	for i := range x {
		for j := range y {
			c := d(i, j)
			switch {
			case i == 0 && j == 0:
				cur[j] = cell{c, 1}
			case i == 0:
				cur[j] = cell{cur[j-1].cost + c, cur[j-1].steps + 1}
			case j == 0:
				cur[j] = cell{prev[j].cost + c, prev[j].steps + 1}
			default:
				best := prev[j-1]
				if prev[j].cost < best.cost {
					best = prev[j]
				}
				if cur[j-1].cost < best.cost {
					best = cur[j-1]
				}
				cur[j] = cell{best.cost + c, best.steps + 1}
			}
		}
		prev, cur = cur, prev
	}
	last := prev[len(y)-1]
	return last.cost / last.steps
}
