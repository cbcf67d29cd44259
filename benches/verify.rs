//! Journal verification throughput: 100,000 signed records in 20 runs, verified (a) by raw
//! single-threaded ed25519-dalek `verify` of the same signatures over their SSHSIG signed data
//! (the baseline) and (b) by the full `offboard::journal::verify`.
//!
//! Run with `cargo bench --bench verify`.

use std::time::Instant;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use offboard::journal::{
    AllowedSigners, Envelope, Event, NAMESPACE, RecordFields, RoleMap, RunJournal, Signer, sshsig,
    verify,
};

const RECORDS: usize = 100_000;
const RUNS: usize = 20;

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("journal");
    let signer = Signer::from_seed([7; 32], "it-ops@acme.example");
    let allowed = AllowedSigners::parse(
        &format!("it-ops@acme.example {}\n", signer.public_key_openssh()),
        std::path::Path::new("allowed_signers"),
    )
    .expect("allowed signers");
    let roles = [("it-ops@acme.example", vec!["iam"])]
        .into_iter()
        .collect::<RoleMap>()
        .with_operator_roles(["iam"]);

    let started = Instant::now();
    let per_run = (RECORDS - RUNS * 2) / RUNS;
    for r in 0..RUNS {
        let run = format!("run-{r:03}");
        let employee = format!("e-{r:05}");
        let mut journal = RunJournal::create(
            &dir,
            &run,
            signer.clone(),
            RecordFields::new(Event::RunStarted).employee(&employee),
        )
        .expect("create");
        for i in 0..per_run {
            let event = if i % 2 == 0 {
                Event::StepApplied
            } else {
                Event::StepConfirmed
            };
            journal
                .append(
                    RecordFields::new(event)
                        .employee(&employee)
                        .step(format!("step-{i}"))
                        .action("iam.deactivate")
                        .role("iam")
                        .target("idp", Some(format!("{employee}@acme.example")))
                        .evidence(serde_json::json!({"before": {"active": true}, "after": {"active": false}})),
                )
                .expect("append");
        }
        journal
            .append(RecordFields::new(Event::RunFinished).employee(&employee))
            .expect("finish");
    }
    println!("generated {RECORDS} records in {:.1?}", started.elapsed());

    // The baseline's inputs: signed data, signatures and the key, decoded ahead of timing.
    let mut inputs: Vec<(Vec<u8>, Signature)> = Vec::with_capacity(RECORDS + RUNS * 2);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for file in &files {
        for line in std::fs::read_to_string(file).expect("read").lines() {
            let envelope: Envelope = serde_json::from_str(line).expect("envelope");
            let sig = sshsig::parse_armored(&envelope.sig).expect("sig");
            inputs.push((
                sshsig::signed_data(NAMESPACE, envelope.payload.as_bytes()),
                Signature::from_bytes(&sig.signature),
            ));
        }
    }
    let key = VerifyingKey::from_bytes(&signer.public_key()).expect("key");
    let total = inputs.len();

    let start = Instant::now();
    for (data, signature) in &inputs {
        key.verify(data, signature).expect("baseline verify");
    }
    let baseline = start.elapsed();

    let start = Instant::now();
    let report = verify(&dir, &allowed, &roles, None);
    let ours = start.elapsed();
    assert!(report.ok, "journal must verify");
    assert_eq!(report.records_checked as usize, total);

    let base_rate = total as f64 / baseline.as_secs_f64();
    let our_rate = total as f64 / ours.as_secs_f64();
    println!(
        "threads available: {}",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!(
        "(a) raw ed25519-dalek verify, 1 thread: {total} records in {baseline:.2?} = {base_rate:.0} records/s"
    );
    println!(
        "(b) offboard::journal::verify:          {total} records in {ours:.2?} = {our_rate:.0} records/s"
    );
    println!("ratio (b)/(a): {:.2}x", our_rate / base_rate);
}
