use super::*;

fn view() -> LiveView {
    let ex = crate::coach::Catalogue::builtin_exercise("chin-tuck");
    LiveView::new(ex, "camera 0".to_owned())
}

#[test]
fn a_long_cue_shrinks_to_fit_a_narrow_window_and_a_short_one_does_not() {
    let ctx = egui::Context::default();
    let room = Vec2::new(460.0, BANNER_HEIGHT - 2.0 * (BANNER_GAP + BANNER_MARGIN));
    let long = "Stand side-on to the camera, arms relaxed. Hold still to start counting.";
    let mut sizes = None;
    let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
        let ctx = ui.ctx();
        sizes = Some((
            fitting_size(ctx, long, CUE_SIZE, room),
            fitting_size(ctx, "Chin level.", CUE_SIZE, room),
            fitting_size(ctx, &long.repeat(20), CUE_SIZE, room),
        ));
        let (fit, _, _) = sizes.unwrap();
        let height = ctx.fonts_mut(|f| {
            f.layout(
                long.to_owned(),
                FontId::proportional(fit),
                Color32::WHITE,
                room.x,
            )
            .size()
            .y
        });
        assert!(height <= room.y, "{height} > {}", room.y);
    });
    // No renderer here to take the font atlas.
    output.textures_delta.clear();
    let (long_size, short_size, huge_size) = sizes.unwrap();
    assert!(
        long_size < CUE_SIZE && long_size > MIN_CUE_SIZE,
        "{long_size}"
    );
    assert!((short_size - CUE_SIZE).abs() < f32::EPSILON);
    assert!((huge_size - MIN_CUE_SIZE).abs() < f32::EPSILON);
}

#[test]
fn a_lost_camera_pauses_and_its_return_resumes() {
    let mut v = view();
    let lost = Status::SourceLost("camera 0 stopped sending pictures".to_owned());
    assert_eq!(v.follow_source(&lost, false), Some(true));
    assert!(v.paused);
    // Still lost: nothing changes.
    assert_eq!(v.follow_source(&lost, false), None);
    // Pictures again (the pipeline marks them paused until told otherwise).
    assert_eq!(v.follow_source(&Status::Paused, true), Some(false));
    assert!(!v.paused);
    assert_eq!(v.follow_source(&Status::Running, true), None);
}

#[test]
fn a_pause_the_person_chose_is_kept_when_the_camera_returns() {
    let mut v = view();
    v.paused = true;
    let lost = Status::SourceLost("unplugged".to_owned());
    assert_eq!(v.follow_source(&lost, false), None);
    assert_eq!(v.follow_source(&Status::Paused, true), None);
    assert!(v.paused);
}
