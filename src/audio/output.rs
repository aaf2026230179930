//! Live playback on a dedicated thread. Callers (the window's UI thread, the
//! inference thread) hand utterances over a bounded channel with `try_send`, so
//! they never wait: a full queue drops the sound. Phrases are rendered and
//! played on the audio thread. No sound device, or no speech engine, logs one
//! clear line; the player then does nothing and coaching goes on in text.

use super::speech::Speech;
use super::{
    AudioError, AudioSettings, Priority, SAMPLE_RATE, Utterance, UtteranceKind, warn_once,
};
use std::num::NonZero;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Commands waiting for the audio thread at most.
const QUEUE: usize = 64;

enum Command {
    Play(Utterance, Instant),
    Prepare(Vec<String>),
    Mute(bool),
    Volume,
    Stop,
}

#[derive(Debug, Default)]
struct Shared {
    muted: AtomicBool,
    /// `f32` bits.
    volume: AtomicU32,
    status: Mutex<AudioStatus>,
}

/// What the audio thread found when it started, worded for the settings
/// screen. `None` fields are not known yet (the thread is still starting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioStatus {
    /// `Ok(())` when a sound device is open, else why not.
    pub device: Option<Result<(), String>>,
    /// The speech engine's name, or why there is none.
    pub speech: Option<Result<String, String>>,
    /// Set when the chosen voice is unknown and the default speaks instead.
    pub voice: Option<String>,
}

impl AudioStatus {
    /// Whether the thread has finished looking for the engine and the device.
    #[must_use]
    pub fn settled(&self) -> bool {
        self.device.is_some() && self.speech.is_some()
    }
}

impl Shared {
    fn volume(&self) -> f32 {
        f32::from_bits(self.volume.load(Ordering::Relaxed))
    }
    /// Whether a sound device is open and working (the status is the one
    /// record of it, written by the audio thread and its error callback).
    fn device_ok(&self) -> bool {
        self.status
            .lock()
            .is_ok_and(|st| matches!(st.device, Some(Ok(()))))
    }
    fn set_status(&self, f: impl FnOnce(&mut AudioStatus)) {
        if let Ok(mut st) = self.status.lock() {
            f(&mut st);
        }
    }
}

/// How long a sound may wait before it is no longer worth playing.
fn max_wait(p: Priority) -> Duration {
    Duration::from_secs_f32(match p {
        Priority::Praise => 1.0,
        Priority::Pace => 0.5,
        Priority::Count => 1.5,
        Priority::Warning => 2.0,
        Priority::Placement => 3.0,
    })
}

/// Plays utterances live. Cheap to call from any thread; never blocks.
#[derive(Debug)]
pub struct Player {
    tx: SyncSender<Command>,
    shared: Arc<Shared>,
}

impl Player {
    /// Starts the audio thread (`formcoach-audio`). It opens the speech engine
    /// and the default output device; a missing one is logged once.
    #[must_use]
    pub fn start(settings: &AudioSettings) -> Player {
        let settings = settings.sanitized();
        let shared = Arc::new(Shared::default());
        shared.muted.store(settings.muted, Ordering::Relaxed);
        shared
            .volume
            .store(settings.volume.to_bits(), Ordering::Relaxed);
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let thread_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("formcoach-audio".to_owned())
            .spawn(move || run(&rx, &settings, &thread_shared));
        if let Err(e) = spawned {
            let e = AudioError::NoDevice(format!("cannot start the audio thread: {e}"));
            warn_once(&e.to_string());
            shared.set_status(|st| {
                st.device = Some(Err(e.to_string()));
                st.speech = Some(Err(e.to_string()));
            });
        }
        Player { tx, shared }
    }

    fn send(&self, c: Command) {
        match self.tx.try_send(c) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => warn_once("the audio queue is full; dropping sounds"),
        }
    }

    /// Queues one utterance (dropped when muted, when the queue is full, or
    /// when there is no output).
    pub fn play(&self, utterance: Utterance) {
        if !self.is_muted() {
            self.send(Command::Play(utterance, Instant::now()));
        }
    }

    /// Queues several.
    pub fn play_all(&self, utterances: impl IntoIterator<Item = Utterance>) {
        for u in utterances {
            self.play(u);
        }
    }

    /// Renders phrases ahead of time (for example `Announcer::phrases()` at the
    /// start of a session), on the audio thread.
    pub fn prepare(&self, phrases: Vec<String>) {
        self.send(Command::Prepare(phrases));
    }

    /// Mutes or unmutes at once (what is playing stops).
    pub fn set_muted(&self, muted: bool) {
        self.shared.muted.store(muted, Ordering::Relaxed);
        self.send(Command::Mute(muted));
    }

    /// Flips mute; returns the new state (for a keyboard shortcut).
    #[must_use = "the new state is for the status line"]
    pub fn toggle_muted(&self) -> bool {
        let muted = !self.is_muted();
        self.set_muted(muted);
        muted
    }

    /// Whether muted.
    #[must_use]
    pub fn is_muted(&self) -> bool {
        self.shared.muted.load(Ordering::Relaxed)
    }

    /// Sets the volume (0..1).
    pub fn set_volume(&self, volume: f32) {
        let v = if volume.is_finite() {
            volume.clamp(0.0, 1.0)
        } else {
            1.0
        };
        self.shared.volume.store(v.to_bits(), Ordering::Relaxed);
        self.send(Command::Volume);
    }

    /// Whether a sound device is open (false until the thread has opened it).
    #[must_use]
    pub fn has_device(&self) -> bool {
        self.shared.device_ok()
    }

    /// Whether phrases can be spoken.
    #[must_use]
    pub fn has_speech(&self) -> bool {
        matches!(self.status().speech, Some(Ok(_)))
    }

    /// What is wrong with sound right now, worded for the person (for a
    /// status line); `None` once a lost device has come back.
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        let st = self.status();
        match (st.device, st.speech) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(e),
            _ => st.voice,
        }
    }

    /// Device, engine and voice as found (for the settings screen).
    #[must_use]
    pub fn status(&self) -> AudioStatus {
        self.shared
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.tx.try_send(Command::Stop);
    }
}

/// Three lanes: speech (one phrase at a time), pace swells, chimes.
struct Lanes {
    _sink: rodio::MixerDeviceSink,
    speech: rodio::Player,
    pace: rodio::Player,
    chime: rodio::Player,
    speech_priority: Priority,
}

impl Lanes {
    fn all(&self) -> [&rodio::Player; 3] {
        [&self.speech, &self.pace, &self.chime]
    }
    fn set_volume(&self, v: f32) {
        for p in self.all() {
            p.set_volume(v);
        }
    }
    /// Drops what is queued or playing without waiting on the device.
    fn clear(p: &rodio::Player) {
        for _ in 0..p.len() {
            p.skip_one();
        }
    }
}

fn buffer(samples: &[f32]) -> rodio::buffer::SamplesBuffer {
    let ch = NonZero::new(1u16).unwrap_or(NonZero::<u16>::MIN);
    let sr = NonZero::new(SAMPLE_RATE).unwrap_or(NonZero::<u32>::MIN);
    rodio::buffer::SamplesBuffer::new(ch, sr, samples.to_vec())
}

fn run(rx: &Receiver<Command>, settings: &AudioSettings, shared: &Arc<Shared>) {
    // Opened even with the voice off: the announcer decides what is said, and
    // the voice may be turned on mid-session.
    let speech = match Speech::open(settings.voice.as_deref(), settings.rate_wpm) {
        Ok(s) => {
            shared.set_status(|st| {
                st.speech = Some(Ok(s.engine().name()));
                st.voice = s.voice_problem().map(ToString::to_string);
            });
            Some(s.with_disk_cache(Speech::default_cache_dir()))
        }
        Err(e) => {
            warn_once(&e.to_string());
            shared.set_status(|st| st.speech = Some(Err(e.to_string())));
            None
        }
    };
    let mut lanes = match open_lanes(shared) {
        Ok(l) => l,
        Err(e) => {
            warn_once(&e.to_string());
            shared.set_status(|st| st.device = Some(Err(e.to_string())));
            return;
        }
    };
    let mut last_reopen = Instant::now();
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Command::Stop => break,
            Command::Mute(m) => {
                if m {
                    for p in lanes.all() {
                        Lanes::clear(p);
                    }
                }
                lanes.set_volume(muted_volume(shared));
            }
            Command::Volume => lanes.set_volume(muted_volume(shared)),
            Command::Prepare(phrases) => {
                if let Some(s) = &speech {
                    for p in phrases {
                        if let Err(e) = s.phrase(&p) {
                            warn_once(&e.to_string());
                        }
                    }
                }
            }
            Command::Play(u, queued) => {
                if shared.muted.load(Ordering::Relaxed) || queued.elapsed() > max_wait(u.priority) {
                    continue;
                }
                // The device went away (unplugged headphones, a sound server
                // restart): try again now and then, so sound comes back by itself.
                if !shared.device_ok() {
                    if last_reopen.elapsed() < REOPEN_EVERY {
                        continue;
                    }
                    last_reopen = Instant::now();
                    match open_lanes(shared) {
                        Ok(l) => lanes = l,
                        Err(_) => continue,
                    }
                }
                play(&mut lanes, speech.as_ref(), &u);
            }
        }
    }
}

/// How often a lost sound device is looked for again.
const REOPEN_EVERY: Duration = Duration::from_secs(3);

fn muted_volume(shared: &Shared) -> f32 {
    if shared.muted.load(Ordering::Relaxed) {
        0.0
    } else {
        shared.volume()
    }
}

/// Opens the default output with our own error callback (rodio's default
/// prints every failed period, which floods the terminal when a device goes
/// away mid-session) and marks the device as working.
fn open_lanes(shared: &Arc<Shared>) -> Result<Lanes, AudioError> {
    let on_error = {
        let shared = shared.clone();
        move |e: rodio::CpalError| {
            let e = AudioError::NoDevice(format!("the sound output stopped: {e}"));
            warn_once(&e.to_string());
            shared.set_status(|st| st.device = Some(Err(e.to_string())));
        }
    };
    let mut sink = rodio::DeviceSinkBuilder::from_default_device()
        .map(|b| b.with_error_callback(on_error))
        .and_then(|b| b.open_sink_or_fallback())
        .map_err(|e| AudioError::NoDevice(e.to_string()))?;
    sink.log_on_drop(false);
    let lanes = Lanes {
        speech: rodio::Player::connect_new(sink.mixer()),
        pace: rodio::Player::connect_new(sink.mixer()),
        chime: rodio::Player::connect_new(sink.mixer()),
        _sink: sink,
        speech_priority: Priority::Praise,
    };
    lanes.set_volume(muted_volume(shared));
    shared.set_status(|st| st.device = Some(Ok(())));
    Ok(lanes)
}

fn play(lanes: &mut Lanes, speech: Option<&Speech>, u: &Utterance) {
    match &u.kind {
        UtteranceKind::Speech(text) => {
            let Some(speech) = speech else { return };
            let samples = match speech.phrase(text) {
                Ok(s) => s,
                Err(e) => {
                    warn_once(&e.to_string());
                    return;
                }
            };
            if !lanes.speech.empty() && u.priority > lanes.speech_priority {
                Lanes::clear(&lanes.speech);
            }
            lanes.speech_priority = u.priority;
            lanes.speech.append(buffer(&samples));
            lanes.speech.play();
        }
        UtteranceKind::Tone(kind) => {
            let lane = if u.priority == Priority::Pace {
                &lanes.pace
            } else {
                &lanes.chime
            };
            lane.append(buffer(&kind.synth(SAMPLE_RATE)));
            lane.play();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;
    use crate::audio::tones::ToneKind;

    /// Without a sound card (CI): starting, playing, muting never block or panic.
    #[test]
    fn player_never_blocks_the_caller() {
        let player = Player::start(&AudioSettings::default());
        let t0 = Instant::now();
        for i in 0..1000 {
            player.play(Utterance {
                t_s: f64::from(i),
                kind: UtteranceKind::Tone(ToneKind::HoldDone),
                priority: Priority::Count,
            });
            player.play(Utterance {
                t_s: f64::from(i),
                kind: UtteranceKind::Speech("Five.".into()),
                priority: Priority::Count,
            });
        }
        assert!(player.toggle_muted());
        assert!(player.is_muted());
        player.set_volume(0.3);
        player.prepare(vec!["One.".into()]);
        assert!(
            t0.elapsed() < Duration::from_millis(200),
            "{:?}",
            t0.elapsed()
        );
        // Give the thread a moment to meet the missing device (if it is missing).
        std::thread::sleep(Duration::from_millis(300));
        if !player.has_device() {
            let p = player.problem().unwrap_or_default();
            eprintln!("no device here: {p}");
        }
        drop(player);
    }

    #[test]
    fn stale_sounds_are_not_worth_playing() {
        assert!(max_wait(Priority::Pace) < max_wait(Priority::Warning));
        assert!(max_wait(Priority::Praise) < max_wait(Priority::Placement));
    }
}
