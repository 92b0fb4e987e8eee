// Package emf writes the service's business metrics as CloudWatch Embedded
// Metric Format (EMF) log lines: one JSON object per line, which CloudWatch
// Logs turns into metrics without any API call from the function. The local
// mode writes the same lines, so the metrics can be tested without AWS.
package emf

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/yourang/yourang/shared/callsession"
	"github.com/yourang/yourang/shared/metricnames"
)

var _ callsession.Metrics = (*Writer)(nil)

// Writer writes one EMF line per metric value. It is safe for concurrent use.
type Writer struct {
	mu        sync.Mutex
	out       io.Writer // guarded by mu
	namespace string
	function  string
	now       func() time.Time
}

// New returns a Writer that writes to out, in the CloudWatch namespace, with
// the Function dimension set to function.
func New(out io.Writer, namespace, function string) *Writer {
	return &Writer{out: out, namespace: namespace, function: function, now: time.Now}
}

// Count implements [callsession.Metrics].
func (w *Writer) Count(name string, n int) {
	if n == 0 {
		return
	}
	w.write(name, float64(n), "Count", nil)
}

// CountGate implements [callsession.Metrics].
func (w *Writer) CountGate(reason callsession.Reason) {
	w.write(metricnames.GateDecisions, 1, "Count", map[string]string{metricnames.DimensionReason: string(reason)})
}

// Duration implements [callsession.Metrics].
func (w *Writer) Duration(name string, d time.Duration) {
	w.write(name, float64(d.Milliseconds()), metricnames.TimeToAnswerUnit, nil)
}

type directive struct {
	Namespace  string     `json:"Namespace"`
	Dimensions [][]string `json:"Dimensions"`
	Metrics    []metric   `json:"Metrics"`
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

func (w *Writer) write(name string, value float64, unit string, extra map[string]string) {
	dims := []string{metricnames.DimensionFunction}
	line := map[string]any{
		metricnames.DimensionFunction: w.function,
		name:                          value,
	}
	for k, v := range extra {
		dims = append(dims, k)
		line[k] = v
	}
	line["_aws"] = map[string]any{
		"Timestamp": w.now().UnixMilli(),
		"CloudWatchMetrics": []directive{{
			Namespace:  w.namespace,
			Dimensions: [][]string{dims},
			Metrics:    []metric{{Name: name, Unit: unit}},
		}},
	}

	b, err := json.Marshal(line)
	if err != nil {
		return // unreachable: the line holds only strings, numbers and slices
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(append(b, '\n'))
}
