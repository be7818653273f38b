"""EMHASS side of the peer benchmark (libs/optimizer/bench/peer.ts): one process, instances in, plans out.

Reads one JSON instance per line on stdin, plans it with EMHASS' own MILP (emhass.optimization.Optimization,
cvxpy + HiGHS, single-threaded, at the given MIP gap) and writes one JSON line per instance: the time of the
optimisation call alone, EMHASS' status, and each deferrable load's power per slot (W). Not a test.

Instance: {"slotMin", "slots", "baseLoadW"[], "intensityGPerKWh"[], "fuseW", "gap", "timeLimitSec",
"loads": [{"id", "powerW", "slots", "start", "end", "singleBlock"}]}: a load runs `slots` slots at `powerW`
(EV: energy / power, not necessarily whole), within [start, end). Cost = intensity (kg CO2 per kWh).
"""

import asyncio
import json
import logging
import pathlib
import sys
import time

import numpy as np
import pandas as pd
from emhass import utils
from emhass.optimization import Optimization

LOG = logging.getLogger("emhass-peer")
LOG.setLevel(logging.ERROR)
LOG.addHandler(logging.StreamHandler(sys.stderr))
ROOT = pathlib.Path(utils.__file__).parent


def base_params():
    emhass_conf = {"data_path": ROOT / "data", "root_path": ROOT, "defaults_path": ROOT / "data" / "config_defaults.json",
                   "associations_path": ROOT / "data" / "associations.csv"}
    config = asyncio.run(utils.build_config(emhass_conf, LOG, str(emhass_conf["defaults_path"])))
    params = asyncio.run(utils.build_params(emhass_conf, {}, config, LOG))
    return emhass_conf, params


EMHASS_CONF, PARAMS = base_params()


def solve(inst):
    rh, oc, pc = utils.get_yaml_parse(json.loads(json.dumps(PARAMS, default=str)), LOG)
    n = inst["slots"]
    step_h = inst["slotMin"] / 60
    loads = inst["loads"]
    k = len(loads)
    rh["optimization_time_step"] = pd.to_timedelta(inst["slotMin"], "minutes")
    # Every per-deferrable-load list of the defaults (made for their own number of loads) sized to ours, with the
    # first (neutral) default: no minimum power, no max cost, no start-up limits, electric.
    default_k = int(oc.get("number_of_deferrable_loads", 0))
    for key, value in list(oc.items()):
        if isinstance(value, list) and default_k > 0 and len(value) == default_k:
            oc[key] = [value[0]] * k
    oc.update({
        "number_of_deferrable_loads": k,
        "nominal_power_of_deferrable_loads": [l["powerW"] for l in loads],
        "operating_hours_of_each_deferrable_load": [l["slots"] * step_h for l in loads],
        "start_timesteps_of_each_deferrable_load": [l["start"] for l in loads],
        "end_timesteps_of_each_deferrable_load": [l["end"] for l in loads],
        "treat_deferrable_load_as_semi_cont": [l["singleBlock"] for l in loads],
        "set_deferrable_load_single_constant": [l["singleBlock"] for l in loads],
        "set_deferrable_startup_penalty": [0.0] * k,
        "def_load_config": [{} for _ in loads],
        "set_use_battery": False,
        "set_use_pv": False,
        "set_total_pv_sell": False,
        "num_threads": 1,
        "lp_solver_mip_rel_gap": inst["gap"],
        "lp_solver_timeout": inst["timeLimitSec"],
        "delta_forecast_daily": pd.Timedelta(hours=n * step_h),
    })
    pc.update({"maximum_power_from_grid": inst["fuseW"], "maximum_power_to_grid": 0, "inverter_is_hybrid": False})
    opt = Optimization(rh, oc, pc, "unit_load_cost", "unit_prod_price", "cost", EMHASS_CONF, LOG,
                       opt_time_delta=n * step_h, num_timesteps=n)
    index = pd.date_range("2025-01-06", periods=n, freq=f"{inst['slotMin']}min", tz="UTC")
    cost = np.array(inst["intensityGPerKWh"], dtype=float) / 1000.0  # kg per kWh
    data = pd.DataFrame({"unit_load_cost": cost, "unit_prod_price": np.zeros(n)}, index=index)
    pv = np.zeros(n)
    load = np.array(inst["baseLoadW"], dtype=float)
    t0 = time.perf_counter()
    out = opt.perform_optimization(data, pv, load, cost, np.zeros(n))
    ms = (time.perf_counter() - t0) * 1000
    powers = [out[f"P_deferrable{i}"].to_numpy(dtype=float).tolist() for i in range(k)]
    return {"ms": ms, "status": str(opt.optim_status), "powerW": powers}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            print(json.dumps(solve(json.loads(line))), flush=True)
        except Exception as err:  # a failed instance is reported, the run goes on
            print(json.dumps({"error": f"{type(err).__name__}: {err}"}), flush=True)


if __name__ == "__main__":
    main()
