"""Monitoring rules (预警规则): small pure functions from a window of typed readings to findings.

No Django here; the Django side (ingest, storage, alerts) feeds these functions and stores what
they return.

Interface
---------
* Inputs (`rules.types`): frozen records, each with `device_id`, `sequence` and `time` (aware,
  platform clock): DispenserTransaction, ParameterChange, ComponentIdentity, TankReading,
  TankDelivery, MeterReading, DeviceEvent, ChargerSession, ChargerMeterValue, Heartbeat, plus
  WorkOrder (regulator/utility records), DeviceProfile (registry facts: site, product, tank,
  ratings, accuracy class, verification dates, report interval) and DailyUse (a meter's daily
  rollup: the long-window meter rules MT-01 and MT-07 read these, `meters.daily_use_of` computes
  them from raw readings where no database keeps them). `WINDOW_FIELD` maps each record
  type to its Window field.
* `Window(now, profiles, last_seen, transactions=…, …)`: everything for one site (station or
  premises) up to `now`. Readings may be unordered and duplicated; rules order them by
  (time, sequence) and drop repeated (device_id, sequence). `last_seen` lets time-driven rules
  fire with no new message.
* Thresholds (`rules.thresholds`): `load_rulebook()` reads `monitoring/data/rules.json` (every
  threshold cited, with confidence and an editable-default flag); `rulebook_from_document(doc)`
  builds the same typed objects from an edited copy. `rulebook.for_rule(code)` gives the typed
  thresholds of one rule; `rulebook.persistence` the escalation/clear times.
* Rules (`rules.registry`): `RULES[code]` is a RuleSpec with `function(window, thresholds)`,
  `device_kinds`, `inputs`, `window_length(rulebook)`, `time_driven` and zh/en descriptions;
  `rules_for_kind(kind)` lists the rules of a device kind; `spec.evaluate(window, rulebook)` and
  `evaluate_all(window, rulebook)` run them.
* Output (`rules.types.Finding`): rule_code, severity (warning / critical / data_quality),
  device_id, time, JSON-ready evidence (the readings and the computation with its limits).
  The same standing condition yields a finding with the same (rule_code, device_id, time) on
  every evaluation, so it de-duplicates into one alert.
* Persistence (`rules.persistence`): `advance(state, observed_severity, now, persistence)` is the
  pure state machine that raises, escalates (warning → critical after `escalate_after`) and clears
  (after `clear_after` without the condition) an alert.
* Register arithmetic (`rules.registers`): consumption as register deltas, invariant to order and
  batching, with first readings, resets and physically impossible jumps handled; the rollups on the
  Django side use the same functions.
* Replay (`rules.replay`): every rule over a recorded stream at checkpoints, without a database;
  with `monitoring.simulation` and `monitoring.scoring` it gives the detection report.
"""
