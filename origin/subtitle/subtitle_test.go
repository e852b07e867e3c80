package subtitle

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSRTNormalises(t *testing.T) {
	tr, err := Parse(read(t, "good.srt"))
	if err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT\n\n" +
		"00:00:00.500 --> 00:00:02.000\nHello <i>world</i>\n\n" +
		"00:00:01.000 --> 00:00:01.800\nOut of order\n\n" +
		"00:00:03.000 --> 00:00:05.500\nTwo lines\nof text\n\n"
	if got := string(tr.VTT()); got != want {
		t.Errorf("VTT:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseVTTNormalises(t *testing.T) {
	tr, err := Parse(read(t, "good.vtt"))
	if err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\n" +
		"intro\n00:00:00.250 --> 00:00:01.500 line:90% align:center\nBonjour\n\n" +
		"00:00:04.000 --> 00:00:06.000\nLe monde\n\n"
	if got := string(tr.VTT()); got != want {
		t.Errorf("VTT:\n%s\nwant:\n%s", got, want)
	}
	again, err := ParseVTT(tr.VTT())
	if err != nil || string(again.VTT()) != want {
		t.Errorf("normalised output does not read back the same: %v", err)
	}
}

func TestLenientInput(t *testing.T) {
	for name, in := range map[string]string{
		"bom and crlf": "\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,000\r\nhi\r\n",
		"cr only":      "WEBVTT\r\r00:01.000 --> 00:02.000\rhi\r",
		"short srt ms": "1\n0:00:01.5 --> 0:00:02,25\nhi\n",
		"extra blanks": "\n\n1\n00:00:01,000 --> 00:00:02,000\nhi\n\n\n\n",
	} {
		tr, err := Parse([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(tr.Cues) != 1 || tr.Cues[0].Text != "hi" || tr.Cues[0].Start < time.Second {
			t.Errorf("%s: cues %+v", name, tr.Cues)
		}
	}
}

func TestBadFilesNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
		says     string
	}{
		{"end before start", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:05,000 --> 00:00:04,000\nbad\n", 6, "before it starts"},
		{"equal times", "WEBVTT\n\n00:01.000 --> 00:01.000\nx\n", 3, "before it starts"},
		{"broken start", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:0x:03.000 --> 00:00:04.000\nbad\n", 6, "bad start timestamp"},
		{"broken end", "1\n00:00:01,000 --> 00:00:02\nbad\n", 2, "bad end timestamp"},
		{"minutes 60", "WEBVTT\n\n00:60:00.000 --> 01:00:01.000\nx\n", 3, "bad start"},
		{"vtt two ms digits", "WEBVTT\n\n00:01.00 --> 00:02.000\nx\n", 3, "bad start"},
		{"not utf-8", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:00:04,000\nd\xe9j\xe0 vu\n", 7, "not UTF-8"},
		{"nul", "WEBVTT\n\n00:01.000 --> 00:02.000\na\x00b\n", 4, "NUL"},
		{"no header", "WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n", 1, "starts with \"WEBVTT\""},
		{"no number", "00:00:01,000 --> 00:00:02,000\nx\n", 1, "no number"},
		{"garbage", "hello there\n", 1, "want a cue number"},
		{"id without timing", "WEBVTT\n\nlonely id\n", 3, "no timing line"},
		{"missing blank line", "1\n00:00:01,000 --> 00:00:02,000\nx\n00:00:03,000 --> 00:00:04,000\ny\n", 4, "contains \"-->\""},
		{"empty", "", 1, "no cues"},
		{"header only", "WEBVTT\n", 2, "no cues"},
		{"style after cue", "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue {}\n", 6, "after the first cue"},
	} {
		_, err := Parse([]byte(tc.in))
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want a *Error", tc.name, err)
			continue
		}
		if pe.Line != tc.line || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want line %d saying %q", tc.name, err, tc.line, tc.says)
		}
	}
}

func TestSegmentFollowsBoundaries(t *testing.T) {
	tr, err := ParseSRT([]byte("1\n00:00:00,500 --> 00:00:01,000\na\n\n2\n00:00:01,500 --> 00:00:04,500\nb\n\n3\n00:00:09,000 --> 00:00:12,000\nc\n"))
	if err != nil {
		t.Fatal(err)
	}
	segs := tr.Segment([]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second})
	want := [][]string{{"a", "b"}, {"b"}, {"b"}, {"c"}} // c starts after the end: in the last
	if len(segs) != len(want) {
		t.Fatalf("%d segments", len(segs))
	}
	for i, seg := range segs {
		back, err := ParseVTT(seg)
		s := string(seg)
		if !strings.HasPrefix(s, "WEBVTT\n"+timestampMap+"\n\n") {
			t.Errorf("segment %d header: %q", i, s)
		}
		if err != nil {
			if len(want[i]) > 0 || !strings.Contains(err.Error(), "no cues") {
				t.Errorf("segment %d: %v", i, err)
			}
			continue
		}
		var texts []string
		for _, c := range back.Cues {
			texts = append(texts, c.Text)
		}
		if strings.Join(texts, ",") != strings.Join(want[i], ",") {
			t.Errorf("segment %d holds %v, want %v", i, texts, want[i])
		}
	}
}

func TestSegmentEmpty(t *testing.T) {
	tr, err := ParseSRT([]byte("1\n00:00:00,500 --> 00:00:01,000\na\n"))
	if err != nil {
		t.Fatal(err)
	}
	segs := tr.Segment([]time.Duration{time.Second, time.Second})
	if string(segs[1]) != "WEBVTT\n"+timestampMap+"\n\n" {
		t.Errorf("empty segment: %q", segs[1])
	}
}

func TestSRTTextBecomesCueText(t *testing.T) {
	tr, err := ParseSRT([]byte("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<i>x < y</i> & <font color=\"red\">z</font>\n{\\an8}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Cues[0].Text, `<i>x &lt; y</i> & <font color="red">z</font>`; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

func TestSRTTagRemovalCannotMakeAnArrow(t *testing.T) {
	_, err := ParseSRT([]byte("1\n00:00:01,000 --> 00:00:02,000\nx --{\\an8}> y\n"))
	var pe *Error
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Errorf("err %v, want line 3", err)
	}
}
