package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	valueparser "github.com/influxdata/telegraf/plugins/parsers/value"
)

// Telegraf's value parser (data_type "string", as telemetry.conf configures both inputs) trims every payload before
// this processor sees it. The TS validator's trimPayload must trim the same way: both run the cases of
// libs/telemetry/fixtures/trim.json (the TS side in libs/telemetry/src/validate.test.ts).
func TestTrimAgreesWithTypeScript(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "libs", "telemetry", "fixtures", "trim.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Cases []struct{ Name, Input, Trimmed string }
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	if len(fixture.Cases) < 10 {
		t.Fatalf("only %d trim cases", len(fixture.Cases))
	}
	p := &valueparser.Parser{MetricName: "telemetry_raw", DataType: "string"}
	if err := p.Init(); err != nil {
		t.Fatal(err)
	}
	for _, c := range fixture.Cases {
		metrics, err := p.Parse([]byte(c.Input))
		if err != nil || len(metrics) != 1 {
			t.Fatalf("%s: parse gave %d metrics, %v", c.Name, len(metrics), err)
		}
		got, _ := metrics[0].GetField("value")
		if got != c.Trimmed {
			t.Errorf("%s: Telegraf trims %q to %q, the fixture (and trimPayload) to %q", c.Name, c.Input, got, c.Trimmed)
		}
	}
}
