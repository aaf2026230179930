//! From TOML text to a checked [`Routine`]: limits, numbers and exercise ids
//! are all checked here, each error naming the line to fix.

use serde::Deserialize;
use toml::Spanned;

use crate::coach::Catalogue;
use crate::coach::exercise::RuleKind;
use crate::mobility::{MEASURES, Measure};

use super::model::{Routine, RoutineStep, StepSide};
use super::{
    MAX_COUNT, MAX_DESCRIPTION_CHARS, MAX_LINE_BYTES, MAX_NAME_CHARS, MAX_ROUTINE_S, MAX_SECONDS,
    MAX_SETS, MAX_STEPS, RoutineLoadError,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoutine {
    id: Spanned<String>,
    name: Spanned<String>,
    description: Spanned<String>,
    steps: Spanned<Vec<Spanned<RawStep>>>,
}

/// Counts are read as signed integers so that `-3` gets a plain message
/// instead of a type error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    exercise: Spanned<String>,
    side: Option<Spanned<StepSide>>,
    reps: Option<Spanned<i64>>,
    holds: Option<Spanned<i64>>,
    hold_s: Option<Spanned<f64>>,
    sets: Option<Spanned<i64>>,
    rest_s: Option<Spanned<f64>>,
    switch_s: Option<Spanned<f64>>,
    note: Option<Spanned<String>>,
    measure: Option<Spanned<String>>,
}

/// A message with the line it belongs to.
struct Bad {
    line: usize,
    message: String,
}

impl Routine {
    /// Parses one routine; `file` names it in errors, and every step's
    /// exercise must be in `catalogue`.
    pub fn from_toml(
        text: &str,
        file: &str,
        catalogue: &Catalogue,
    ) -> Result<Routine, RoutineLoadError> {
        if let Some(line) = text.lines().position(|l| l.len() > MAX_LINE_BYTES) {
            return Err(RoutineLoadError::Invalid {
                file: file.to_owned(),
                line: line + 1,
                message: format!("line is longer than {MAX_LINE_BYTES} characters"),
            });
        }
        let raw: RawRoutine = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            RoutineLoadError::Parse {
                file: file.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        raw.validate(text, file, catalogue)
            .map_err(|b| RoutineLoadError::Invalid {
                file: file.to_owned(),
                line: b.line,
                message: b.message,
            })
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, str::len) + 1;
    (line, column)
}

/// Control characters dropped (newlines in a description become spaces):
/// the texts are drawn on screen and spoken.
fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

impl RawRoutine {
    fn validate(self, text: &str, file: &str, catalogue: &Catalogue) -> Result<Routine, Bad> {
        let at = |span: std::ops::Range<usize>| line_col(text, span.start).0;
        let id_line = at(self.id.span());
        let id = self.id.into_inner();
        let id_ok = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(Bad {
                line: id_line,
                message: format!(
                    "id `{}` must be 1 to 64 lowercase letters, digits and dashes",
                    id.chars().take(64).collect::<String>()
                ),
            });
        }
        let name = checked_text(self.name, "name", MAX_NAME_CHARS, text)?;
        if name.is_empty() {
            return Err(Bad {
                line: id_line,
                message: "`name` is empty".to_owned(),
            });
        }
        let description =
            checked_text(self.description, "description", MAX_DESCRIPTION_CHARS, text)?;
        let steps_line = at(self.steps.span());
        let raw_steps = self.steps.into_inner();
        if raw_steps.is_empty() {
            return Err(Bad {
                line: steps_line,
                message: "a routine needs at least one `[[steps]]` entry".to_owned(),
            });
        }
        if raw_steps.len() > MAX_STEPS {
            return Err(Bad {
                line: steps_line,
                message: format!(
                    "{} steps; a routine has at most {MAX_STEPS}",
                    raw_steps.len()
                ),
            });
        }
        let mut steps = Vec::with_capacity(raw_steps.len());
        for (i, spanned) in raw_steps.into_iter().enumerate() {
            let step = spanned
                .into_inner()
                .validate(text, catalogue)
                .map_err(|b| Bad {
                    line: b.line,
                    message: format!("step {}: {}", i + 1, b.message),
                })?;
            steps.push(step);
        }
        let routine = Routine {
            id,
            name,
            description,
            steps,
            source: file.to_owned(),
        };
        let estimated_s = routine.estimated_s();
        if estimated_s > MAX_ROUTINE_S {
            return Err(Bad {
                line: steps_line,
                message: format!(
                    "the routine would take about {:.0} minutes; at most {:.0} minutes are allowed",
                    estimated_s / 60.0,
                    MAX_ROUTINE_S / 60.0
                ),
            });
        }
        Ok(routine)
    }
}

fn checked_text(
    value: Spanned<String>,
    field: &str,
    max: usize,
    text: &str,
) -> Result<String, Bad> {
    let line = line_col(text, value.span().start).0;
    let value = value.into_inner();
    if value.chars().count() > max {
        return Err(Bad {
            line,
            message: format!("`{field}` is longer than {max} characters"),
        });
    }
    Ok(clean_text(&value))
}

/// A count in `min..=max`, or an error on its line.
fn count(
    value: Option<Spanned<i64>>,
    field: &str,
    min: u32,
    max: u32,
    text: &str,
) -> Result<Option<u32>, Bad> {
    let Some(value) = value else {
        return Ok(None);
    };
    let line = line_col(text, value.span().start).0;
    let n = *value.get_ref();
    u32::try_from(n)
        .ok()
        .filter(|n| (min..=max).contains(n))
        .map(Some)
        .ok_or_else(|| Bad {
            line,
            message: format!("`{field}` is {n}; it must be from {min} to {max}"),
        })
}

/// Seconds in `0..=MAX_SECONDS`, finite, or an error on its line.
fn seconds(value: Option<Spanned<f64>>, field: &str, text: &str) -> Result<Option<f64>, Bad> {
    let Some(value) = value else {
        return Ok(None);
    };
    let line = line_col(text, value.span().start).0;
    let s = *value.get_ref();
    if !s.is_finite() || !(0.0..=MAX_SECONDS).contains(&s) {
        return Err(Bad {
            line,
            message: format!(
                "`{field}` is {s}; it must be a number of seconds from 0 to {MAX_SECONDS}"
            ),
        });
    }
    Ok(Some(s))
}

/// A step's `measure`, checked against the mobility check's measures.
fn measure_of(value: Option<Spanned<String>>, text: &str) -> Result<Option<Measure>, Bad> {
    let Some(value) = value else {
        return Ok(None);
    };
    let line = line_col(text, value.span().start).0;
    let id = value.into_inner();
    Measure::from_id(&id).map(Some).ok_or_else(|| {
        let ids: Vec<&str> = MEASURES.iter().map(|m| m.id()).collect();
        Bad {
            line,
            message: format!(
                "unknown measure `{}`; choose one of: {}",
                id.chars().take(64).collect::<String>(),
                ids.join(", ")
            ),
        }
    })
}

impl RawStep {
    fn validate(self, text: &str, catalogue: &Catalogue) -> Result<RoutineStep, Bad> {
        let line = line_col(text, self.exercise.span().start).0;
        let id = self.exercise.into_inner();
        let Some(exercise) = catalogue.get(&id) else {
            return Err(Bad {
                line,
                message: format!(
                    "unknown exercise `{}`; `formcoach exercises` lists the ids",
                    id.chars().take(64).collect::<String>()
                ),
            });
        };
        let side = match self.side {
            Some(s) => {
                let side_line = line_col(text, s.span().start).0;
                let side = s.into_inner();
                if side != StepSide::Both && !exercise.sided() {
                    return Err(Bad {
                        line: side_line,
                        message: format!(
                            "`{id}` does not count sides, so `side` must be \"both\" or left out"
                        ),
                    });
                }
                side
            }
            None => StepSide::Both,
        };
        let reps = count(self.reps, "reps", 0, MAX_COUNT, text)?.unwrap_or(0);
        let holds = count(self.holds, "holds", 0, MAX_COUNT, text)?.unwrap_or(0);
        if reps == 0 && holds == 0 {
            return Err(Bad {
                line,
                message: "give a dose: `reps`, or `holds` with `hold_s`".to_owned(),
            });
        }
        let progress = |want_hold: bool| {
            exercise.rules.iter().find_map(|r| match &r.kind {
                RuleKind::Hold(p) if want_hold => Some(p.hold_s),
                RuleKind::Rep(p) if !want_hold => Some(p.hold_s),
                _ => None,
            })
        };
        let (rep_pause_s, hold_target_s) = (progress(false), progress(true));
        if reps > 0 && rep_pause_s.is_none() {
            return Err(Bad {
                line,
                message: format!("`{id}` is done in holds, not reps: give `holds` and `hold_s`"),
            });
        }
        if holds > 0 && hold_target_s.is_none() {
            return Err(Bad {
                line,
                message: format!("`{id}` is done in reps, not holds: give `reps`"),
            });
        }
        let sets = count(self.sets, "sets", 1, MAX_SETS, text)?.unwrap_or(1);
        let each_s = seconds(self.hold_s, "hold_s", text)?
            .or(if holds > 0 {
                hold_target_s
            } else {
                rep_pause_s
            })
            .unwrap_or(0.0);
        if holds > 0 && each_s <= 0.0 {
            return Err(Bad {
                line,
                message: "holds need `hold_s`, the seconds of each hold".to_owned(),
            });
        }
        let rest_s = seconds(self.rest_s, "rest_s", text)?.unwrap_or(0.0);
        let per_side = exercise.sided() && side == StepSide::Both;
        let switch_s = seconds(self.switch_s, "switch_s", text)?.unwrap_or(0.0);
        let note = match self.note {
            Some(n) => checked_text(n, "note", MAX_DESCRIPTION_CHARS, text)?,
            None => String::new(),
        };
        let measure = measure_of(self.measure, text)?;
        Ok(RoutineStep {
            exercise: id,
            measure,
            side,
            per_side,
            reps,
            holds,
            hold_s: each_s,
            sets,
            rest_s,
            switch_s: if per_side { switch_s } else { 0.0 },
            note,
        })
    }
}
