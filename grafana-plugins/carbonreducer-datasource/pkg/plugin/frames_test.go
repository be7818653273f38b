package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The Go tables are the same as the TypeScript side's (shared/src/frames.json, resources.json): drift fails here.
func TestFrameSpecsMatchSharedTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedDir, "src", "frames.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Units  map[string]string `json:"units"`
		Frames map[string]struct {
			Name   string   `json:"name"`
			Fields []string `json:"fields"`
		} `json:"frames"`
		QueryTypes []string `json:"queryTypes"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Frames) != len(FrameSpecs) {
		t.Fatalf("frames.json has %d frames, Go has %d", len(spec.Frames), len(FrameSpecs))
	}
	for kind, want := range spec.Frames {
		got, ok := FrameSpecs[kind]
		if !ok || got.Name != want.Name || !reflect.DeepEqual(got.Fields, want.Fields) {
			t.Errorf("frame %s: Go %+v, frames.json %+v", kind, got, want)
		}
	}
	units := map[string]string{"powerW": UnitPowerW, "energyWh": UnitEnergyWh, "intensity": UnitIntensity, "massKg": UnitMassKg, "massG": UnitMassG, "percent": UnitPercent}
	if !reflect.DeepEqual(units, spec.Units) {
		t.Errorf("units: Go %v, frames.json %v", units, spec.Units)
	}
	if !reflect.DeepEqual(QueryTypes, spec.QueryTypes) {
		t.Errorf("query types: Go %v, frames.json %v", QueryTypes, spec.QueryTypes)
	}
}

func TestResourceRoutesMatchSharedTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedDir, "src", "resources.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []ResourceRoute
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, ResourceRoutes) {
		t.Errorf("resource routes differ:\nGo:   %v\njson: %v", ResourceRoutes, want)
	}
}
