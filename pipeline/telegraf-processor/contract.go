package telemetry

// BEGIN GENERATED CONTRACT (libs/telemetry/src/goContract.ts; do not edit by hand)
const (
	contractVersion    = 1
	topicRoot          = "carbonreducer"
	maxPayloadBytes    = 65536
	maxBatchReadings   = 500
	maxFutureSkewMs    = 300000
	minTimestampMs     = 946684800000
	maxIDLength        = 64
	rejectsMeasurement = "telemetry_rejects"
	statusMeasurement  = "device_status"
)

var deviceStates = []string{"online", "offline"}

var quantityPrefixes = []string{"power", "energy", "current", "voltage", "temperature", "intensity"}

// In check order.
var fields = []fieldSpec{
	{key: "powerW", influxField: "power_w", unit: "W", min: -100000, max: 100000},
	{key: "energyWh", influxField: "energy_wh", unit: "Wh", min: 0, max: 1000000000000},
	{key: "currentA", influxField: "current_a", unit: "A", min: -500, max: 500},
	{key: "voltageV", influxField: "voltage_v", unit: "V", min: 0, max: 1000},
	{key: "temperatureC", influxField: "temperature_c", unit: "°C", min: -80, max: 150},
	{key: "intensityGPerKWh", influxField: "intensity_g_per_kwh", unit: "gCO2/kWh", min: 0, max: 3000},
	{key: "bufferedReadings", influxField: "buffered_readings", unit: "count", min: 0, max: 1000000000000},
	{key: "evictedReadings", influxField: "evicted_readings", unit: "count", min: 0, max: 1000000000000},
	{key: "rejectedReadings", influxField: "rejected_readings", unit: "count", min: 0, max: 1000000000000},
}

var kinds = map[string]kindSpec{
	"meter":       {required: []string{"powerW"}, optional: []string{"energyWh", "currentA", "voltageV"}},
	"plug":        {required: []string{"powerW"}, optional: []string{"energyWh", "currentA", "voltageV"}},
	"thermometer": {required: []string{"temperatureC"}, optional: []string{}},
	"intensity":   {required: []string{"intensityGPerKWh"}, optional: []string{}},
	"gateway":     {required: []string{"bufferedReadings"}, optional: []string{"evictedReadings", "rejectedReadings"}},
}

// END GENERATED CONTRACT
