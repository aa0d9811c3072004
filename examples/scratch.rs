use dicom_anonymizer::{
    engine::{Engine, Keys},
    profile::{Entry, compile},
};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let c = compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
    ]);
    let plan = c.plan.unwrap();
    let keys = Keys::from_bytes(b"0123456789abcdef");
    let e = Engine::new(&plan, &keys);
    let mut ok = 0;
    let mut fail = 0;
    for p in &args[2..] {
        let mut obj = match dicom_object::open_file(p) {
            Ok(o) => o,
            Err(err) => {
                println!("READFAIL {p}: {err}");
                fail += 1;
                continue;
            }
        };
        match e.apply_file(&mut obj) {
            Ok(a) => {
                let out = format!(
                    "{}/{}",
                    args[1],
                    std::path::Path::new(p)
                        .file_name()
                        .unwrap()
                        .to_str()
                        .unwrap()
                );
                if let Err(err) = obj.write_to_file(&out) {
                    println!("WRITEFAIL {p}: {err}");
                    fail += 1
                } else {
                    ok += 1;
                    if args.len() < 5 {
                        println!("{:?}", a)
                    }
                }
            }
            Err(err) => {
                println!("APPLYFAIL {p}: {err}");
                fail += 1
            }
        }
    }
    println!("ok {ok} fail {fail}");
}
