package emf_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/emf"
	"github.com/yourang/yourang/shared/metricnames"
)

type emfLine struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		var typed emfLine
		json.Unmarshal([]byte(l), &typed)
		if len(typed.AWS.CloudWatchMetrics) != 1 {
			t.Fatalf("line %q has %d metric directives, want 1", l, len(typed.AWS.CloudWatchMetrics))
		}
		d := typed.AWS.CloudWatchMetrics[0]
		if d.Namespace != "YouRangTest" {
			t.Errorf("namespace = %q, want YouRangTest", d.Namespace)
		}
		if typed.AWS.Timestamp == 0 {
			t.Errorf("line %q has no timestamp", l)
		}
		// Every dimension and metric the directive names must be a member
		// of the line, or CloudWatch drops the metric.
		for _, dim := range d.Dimensions[0] {
			if _, ok := m[dim]; !ok {
				t.Errorf("dimension %q missing from line %q", dim, l)
			}
		}
		for _, metric := range d.Metrics {
			if _, ok := m[metric.Name].(float64); !ok {
				t.Errorf("metric %q missing or not a number in line %q", metric.Name, l)
			}
		}
		lines = append(lines, m)
	}
	return lines
}

func TestWriterCount(t *testing.T) {
	var out bytes.Buffer
	w := emf.New(&out, "YouRangTest", metricnames.FunctionCallStart)
	w.Count(metricnames.CallsStarted, 1)
	w.Count(metricnames.DevicesReached, 3)
	w.Count(metricnames.DevicesFailed, 0)

	lines := decodeLines(t, out.String())
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (a zero count writes nothing)", len(lines))
	}
	if got := lines[1][metricnames.DevicesReached]; got != 3.0 {
		t.Errorf("DevicesReached = %v, want 3", got)
	}
	if got := lines[0][metricnames.DimensionFunction]; got != "callstart" {
		t.Errorf("Function = %v, want callstart", got)
	}
}

func TestWriterGateReason(t *testing.T) {
	var out bytes.Buffer
	w := emf.New(&out, "YouRangTest", metricnames.FunctionGate)
	w.CountGate(callsession.ReasonUnknownField)

	lines := decodeLines(t, out.String())
	if got := lines[0][metricnames.DimensionReason]; got != "unknown_field" {
		t.Errorf("Reason = %v, want unknown_field", got)
	}
	if !strings.Contains(out.String(), `"Dimensions":[["Function","Reason"]]`) {
		t.Errorf("line %s does not declare the dimension set [Function, Reason]", out.String())
	}
}

func TestWriterDuration(t *testing.T) {
	var out bytes.Buffer
	w := emf.New(&out, "YouRangTest", metricnames.FunctionRespond)
	w.Duration(metricnames.TimeToAnswer, 1500*time.Millisecond)

	lines := decodeLines(t, out.String())
	if got := lines[0][metricnames.TimeToAnswer]; got != 1500.0 {
		t.Errorf("TimeToAnswer = %v, want 1500", got)
	}
	if !strings.Contains(out.String(), `"Unit":"Milliseconds"`) {
		t.Errorf("line %s does not give the unit Milliseconds", out.String())
	}
}
