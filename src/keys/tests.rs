use super::*;

#[test]
fn the_format_round_trips() {
    let key = ApiKey::generate();
    let shown = key.reveal();
    assert!(shown.starts_with("sl_"), "{shown}");
    assert_eq!(shown.len(), 3 + ID_LEN + 1 + 43);
    assert_eq!(ApiKey::parse(&shown), Some(key));
}

#[test]
fn malformed_keys_do_not_parse() {
    let good = ApiKey::generate().reveal();
    for bad in [
        "",
        "sl_",
        &good[1..],
        &good[..good.len() - 1],
        &format!("{good}x"),
        &good.replacen("sl_", "sk_", 1),
        &format!("{}!{}", &good[..good.len() - 1], ""),
        "sl_abcdefghijkl_é",
    ] {
        assert!(ApiKey::parse(bad).is_none(), "{bad:?} parsed");
    }
}

#[test]
fn two_keys_differ() {
    let (a, b) = (ApiKey::generate(), ApiKey::generate());
    assert_ne!(a.id, b.id);
    assert_ne!(a.secret.hash(), b.secret.hash());
}

#[test]
fn the_right_key_verifies_with_its_role() {
    let key = ApiKey::generate();
    let record = KeyRecord::new(&key, "ci", Role::Author, 1);
    assert_eq!(verify(&key, Some(&record)), Some(Role::Author));
}

#[test]
fn a_wrong_secret_fails() {
    let key = ApiKey::generate();
    let record = KeyRecord::new(&key, "ci", Role::Admin, 1);
    let forged = ApiKey {
        id: key.id.clone(),
        secret: ApiKey::generate().secret,
    };
    assert_eq!(verify(&forged, Some(&record)), None);
    assert_eq!(verify(&key, None), None);
}

#[test]
fn a_revoked_key_fails() {
    let key = ApiKey::generate();
    let mut record = KeyRecord::new(&key, "ci", Role::Admin, 1);
    record.revoked_at = Some(2);
    assert_eq!(verify(&key, Some(&record)), None);
}

#[test]
fn the_stored_hash_is_sha256_of_the_secret() {
    let key = ApiKey::generate();
    let shown = key.reveal();
    let secret = &shown[3 + ID_LEN + 1..];
    let expected: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    assert_eq!(key.secret.hash(), expected);
}

#[test]
fn debug_and_display_never_show_the_secret() {
    let key = ApiKey::generate();
    let shown = key.reveal();
    let secret = &shown[3 + ID_LEN + 1..];
    for text in [
        format!("{key:?}"),
        format!("{:?}", key.secret),
        format!("{}", key.secret),
        format!("{:#?}", key),
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(format!("{key:?}").contains(key.id.as_str()));
}

#[test]
fn base64url_matches_the_rfc_vectors() {
    assert_eq!(base64url(b""), "");
    assert_eq!(base64url(b"f"), "Zg");
    assert_eq!(base64url(b"fo"), "Zm8");
    assert_eq!(base64url(b"foo"), "Zm9v");
    assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn a_record_debug_shows_neither_secret_nor_hash() {
    let key = ApiKey::generate();
    let record = KeyRecord::new(&key, "ci", Role::Author, 1);
    let text = format!("{record:?}");
    assert!(
        text.contains(key.id.as_str()) && text.contains("Author"),
        "{text}"
    );
    let first_byte = record.secret_sha256[0].to_string();
    assert!(!text.contains("secret_sha256"), "{text}");
    assert!(!text.contains(&format!("[{first_byte},")), "{text}");
}
