package main

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readAll reads every element of src, stopping at the first error.
func readAll(src source) ([]element, error) {
	var out []element
	for {
		el, err := src.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, el)
	}
}

func edgeAt(line int, id, source, target, typ string, props map[string]any) element {
	return element{edge: true, id: id, source: source, target: target, typ: typ, props: props, pos: position{Line: line}}
}

func TestCSVSource(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []element
	}{
		{"minimal", "source,target\na,b\nb,c\n", []element{
			edgeAt(2, "e2", "a", "b", "", nil), edgeAt(3, "e3", "b", "c", "", nil)}},
		{"type and weight", "source,target,type,weight\na,b,knows,1.5\n", []element{
			edgeAt(2, "e2", "a", "b", "knows", map[string]any{"weight": 1.5})}},
		{"columns in any order, any case, BOM, spaces in header", "\ufeffWeight, Target ,SOURCE,id\n2,b,a,x1\n", []element{
			edgeAt(2, "x1", "a", "b", "", map[string]any{"Weight": 2.0})}},
		{"empty id cell falls back to the line", "source,target,id\na,b,\n", []element{edgeAt(2, "e2", "a", "b", "", nil)}},
		{"numbers only when JSON numbers", "source,target,a,b,c,d,e,f,g\na,b,007,1e3,-0.5,0x10,NaN,1.,true\n", []element{
			edgeAt(2, "e2", "a", "b", "", map[string]any{"a": "007", "b": 1000.0, "c": -0.5, "d": "0x10", "e": "NaN", "f": "1.", "g": "true"})}},
		{"empty cells left out", "source,target,x,y\na,b,,3\n", []element{edgeAt(2, "e2", "a", "b", "", map[string]any{"y": 3.0})}},
		{"quoted fields and line breaks", "source,target,note\n\"a,1\",b,\"two\nlines\"\nc,d,x\n", []element{
			edgeAt(2, "e2", "a,1", "b", "", map[string]any{"note": "two\nlines"}), edgeAt(4, "e4", "c", "d", "", map[string]any{"note": "x"})}},
		{"out of range number stays text", "source,target,w\na,b,1e400\n", []element{edgeAt(2, "e2", "a", "b", "", map[string]any{"w": "1e400"})}},
		{"header only", "source,target\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(newCSVSource(strings.NewReader(tt.in), "in.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestCSVSourceErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the whole message
	}{
		{"empty", "", "in.csv: the input is empty; it needs a header row such as source,target,type,weight"},
		{"no target column", "source,dest\na,b\n", `in.csv: line 1: the header "source,dest" needs a source and a target column (and optionally type, id and property columns)`},
		{"duplicate column", "source,target,w,w\n", `in.csv: line 1, column 4: column "w" appears twice in the header`},
		{"unnamed column", "source,target,\n", "in.csv: line 1, column 3: column 3 has no name in the header"},
		{"empty source", "source,target\na,b\n,c\n", "in.csv: line 3, column 1: source is empty"},
		{"empty target", "type,source,target\nt,a,\n", "in.csv: line 2, column 5: target is empty"},
		{"field count", "source,target,type\na,b,t\nc,d\n", "in.csv: line 3: the record has 2 fields, the header has 3"},
		{"bare quote", "source,target\na,b\nc,d\"x\n", `in.csv: line 3, column 4: bare " in non-quoted-field`},
		{"unterminated quote", "source,target\na,\"b\n", `in.csv: line 2, column 6: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(newCSVSource(strings.NewReader(tt.in), "in.csv"))
			var ie *inputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want an *inputError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
			if exitCode(err) != exitError {
				t.Errorf("exit code %d, want %d", exitCode(err), exitError)
			}
		})
	}
}

func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12": true, "1.25": true, "-3e10": true, "2E-3": true, "1e+2": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "+1": false, "0x1": false,
		"inf": false, "NaN": false, "1_000": false, " 1": false, "1 ": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
