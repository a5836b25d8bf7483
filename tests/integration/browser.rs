//! Renders report.html in headless Chromium and checks the screenshot shows
//! the report and its charts. Runs only with GUARANTEE_SIM_BROWSER_TEST=1
//! (CI installs Debian's `chromium`); otherwise it says it was skipped.

use crate::bitmap::Bitmap;
use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pixels within a small distance of `rgb`.
fn count_colour(img: &Bitmap, rgb: [u8; 3]) -> usize {
    img.pixels()
        .filter(|p| p.iter().zip(rgb).all(|(&a, b)| a.abs_diff(b) <= 10))
        .count()
}

fn screenshot(html: &Path, png: &Path, profile: &Path) {
    let browser = std::env::var("GUARANTEE_SIM_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {browser}: {e}"));
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{browser} failed: {status}");
            return;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{browser} did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn report_html_renders_in_chromium() {
    if std::env::var("GUARANTEE_SIM_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set GUARANTEE_SIM_BROWSER_TEST=1 (needs chromium) to run");
        return;
    }
    let files = guarantee_sim_app::render::report::run_report(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    common::write_files(dir.path(), &files);
    let html = dir.path().join("report.html");
    let png = dir.path().join("screenshot.png");
    screenshot(&html, &png, profile.path());

    let img = Bitmap::open(&png);
    assert_eq!(img.dimensions(), (1280, 2400));
    if let Ok(keep) = std::env::var("GUARANTEE_SIM_CHARTS_DIR") {
        std::fs::copy(&png, Path::new(&keep).join("browser-screenshot.png")).unwrap();
    }

    // Not blank: mostly white page, but real text and many colours.
    let dark = img.pixels().filter(|p| p.iter().all(|&c| c < 80)).count();
    assert!(dark > 5_000, "only {dark} dark (text) pixels");
    let colours: std::collections::HashSet<[u8; 3]> = img.pixels().collect();
    assert!(colours.len() > 200, "only {} colours", colours.len());
    // The first chart (P(met) by month: Okabe–Ito blue and orange lines)
    // is on screen below the tables, drawn in its palette colours.
    let charts = img.rows(1200, 1200);
    let blue = count_colour(&charts, [0, 114, 178]);
    let orange = count_colour(&charts, [230, 159, 0]);
    assert!(blue > 1_000, "only {blue} blue chart pixels");
    assert!(orange > 500, "only {orange} orange chart pixels");
}
