//! Stockholm reader: every fixture file, and each syntax rule on small inline texts.

use std::io::Write;
use std::path::PathBuf;

use satool_protein::{parse_stockholm, read_stockholm, write_stockholm, ProteinError, StockholmFile, StockholmRecords};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel)
}

// ---- the fixture files --------------------------------------------------------------

#[test]
fn pf00076_published_seed() {
    let recs = read_stockholm(&fixture("PF00076.sto")).unwrap();
    assert_eq!(recs.len(), 1);
    let a = &recs[0];
    assert_eq!((a.n_rows(), a.width()), (68, 79));
    assert_eq!(a.id.as_deref(), Some("RRM_1"));
    assert_eq!(a.accession.as_deref(), Some("PF00076.29"));
    assert_eq!(a.first_line, 1);
    assert_eq!(a.names.last().unwrap(), "NOP4_YEAST/292-362");
    assert_eq!(
        String::from_utf8_lossy(a.rows.last().unwrap()),
        "VFVRNV..PYDATEESLAPHFSK.FGSV.KYALPVID...KSTGLAKGTAFVAFKDQYTYNECIKNAPA.AGSTSLLIG"
    );
}

#[test]
fn pf00076_v13_with_gs_gr_gc_lines() {
    let recs = read_stockholm(&fixture("stockholm/PF00076_v13_hmmer_testsuite.sto")).unwrap();
    assert_eq!(recs.len(), 1);
    let a = &recs[0];
    assert_eq!((a.n_rows(), a.width()), (79, 80));
    assert_eq!(a.accession.as_deref(), Some("PF00076.13"));
    // #=GR lines carry a sequence name; they must not become rows.
    assert!(a.names.iter().all(|n| !n.starts_with('#')));
    assert_eq!(a.names.last().unwrap(), "LA_HUMAN/113-182");
}

#[test]
fn fn3_seed() {
    let recs = read_stockholm(&fixture("stockholm/PF00041_fn3.sto")).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!((recs[0].n_rows(), recs[0].width()), (98, 117));
    assert_eq!(recs[0].id.as_deref(), Some("fn3"));
}

#[test]
fn luxc_three_interleaved_blocks() {
    let recs = read_stockholm(&fixture("stockholm/LuxC_multiblock.sto")).unwrap();
    assert_eq!(recs.len(), 1);
    let a = &recs[0];
    assert_eq!((a.n_rows(), a.width()), (13, 445));
    assert_eq!(a.id.as_deref(), Some("LuxC"));
    assert_eq!(a.names[0], "Q9KV99_VIBCH/423-818");
    // The last row ends with the last block's segment.
    assert!(String::from_utf8_lossy(&a.rows[12]).ends_with("TRLFGLADTLAEVGVNRICPLGEMDRAKSGWHHDGGFNLIDLLRA"));
}

#[test]
fn duplicated_name_is_rejected_with_the_name() {
    let err = read_stockholm(&fixture("stockholm/PF00007_duplicate_name.sto")).unwrap_err();
    match &err {
        ProteinError::DuplicateName { name, line, first_line, .. } => {
            assert_eq!(name, "GTHB2_ONCKE/26-130");
            assert_eq!(line - first_line, 1, "the two lines are adjacent");
        }
        other => panic!("expected DuplicateName, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("PF00007_duplicate_name.sto:"), "{msg}");
    assert!(msg.contains("duplicated sequence name 'GTHB2_ONCKE/26-130'"), "{msg}");
}

#[test]
fn rna_alignment_is_rejected() {
    let err = read_stockholm(&fixture("stockholm/RF00101_rna.sto")).unwrap_err();
    match &err {
        ProteinError::NucleotideAlphabet { line, percent, record, .. } => {
            assert_eq!(*line, 1);
            assert_eq!(record, "'SraC_RyeA'");
            assert!(*percent > 99.9, "{percent}");
        }
        other => panic!("expected NucleotideAlphabet, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("RF00101_rna.sto:1: "), "{msg}");
    assert!(msg.contains("looks like RNA/DNA, not protein"), "{msg}");
}

/// Twelve records, two of them broken (RNA, a duplicated name): the reader yields each record in
/// file order and the broken ones as errors naming their own lines.
#[test]
fn multi_record_file_is_read_record_by_record() {
    let file = StockholmFile::open(&fixture("multi_family.sto")).unwrap();
    let items: Vec<_> = file.records().collect();
    assert_eq!(items.len(), 12);
    let ids: Vec<Option<&str>> = items.iter().map(|r| r.as_ref().ok().and_then(|a| a.id.as_deref())).collect();
    assert_eq!(
        ids,
        [
            Some("RRM_1"),
            Some("RRM_1"),
            Some("fn3"),
            Some("LuxC"),
            Some("RRM_1_half1"),
            Some("RRM_1_half2"),
            Some("RRM_1_v13_half1"),
            Some("RRM_1_v13_half2"),
            Some("fn3_half1"),
            Some("fn3_half2"),
            None,
            None
        ]
    );
    let first = items[0].as_ref().unwrap();
    assert_eq!((first.first_line, first.n_rows(), first.width()), (1, 68, 79));
    assert_eq!(items[9].as_ref().unwrap().first_line, 1746);
    match &items[10] {
        Err(ProteinError::NucleotideAlphabet { line: 1929, record, .. }) => assert_eq!(record, "'SraC_RyeA'"),
        other => panic!("expected the RNA record's error, got {other:?}"),
    }
    match &items[11] {
        Err(e @ ProteinError::DuplicateName { line, first_line, .. }) => {
            assert!((1982..2061).contains(first_line) && *line == first_line + 1, "{e}");
            assert!(e.to_string().contains("multi_family.sto:"), "{e}");
        }
        other => panic!("expected the duplicated name's error, got {other:?}"),
    }
    // All at once, the first broken record is the error.
    let err = read_stockholm(&fixture("multi_family.sto")).unwrap_err();
    assert!(matches!(err, ProteinError::NucleotideAlphabet { line: 1929, .. }), "{err:?}");
}

/// A record broken in the middle of the file is one error, with its line, and the records after
/// it still parse — whether the reader resumes after the broken record's `//`, at the next header
/// (the broken record has no `//`), or after content outside any record.
#[test]
fn a_broken_middle_record_does_not_hide_the_next() {
    let text = "# STOCKHOLM 1.0\n#=GF ID one\na ACDE\nb ACDF\n//\n\
                # STOCKHOLM 1.0\n#=GF ID two\na ACDE\nb AC1E\na KLMN\n//\n\
                # STOCKHOLM 1.0\n#=GF ID three\na ACDE\n\
                # STOCKHOLM 1.0\n#=GF ID four\nx KLMN\ny KLMP\n//\n\
                stray line\n\
                # STOCKHOLM 1.0\n#=GF ID five\nx KLMN\ny KLMP\n//\n";
    let items: Vec<_> = StockholmRecords::new(text, "mem.sto").collect();
    assert_eq!(items.len(), 6, "{items:?}");
    let ok = |i: usize| items[i].as_ref().unwrap_or_else(|e| panic!("record {i}: {e}"));
    assert_eq!((ok(0).id.as_deref(), ok(0).first_line), (Some("one"), 1));
    assert_eq!(
        items[1].as_ref().unwrap_err().to_string(),
        "mem.sto:9: invalid character '1' in sequence 'b' (allowed: letters, gaps '.', '-', '~', and '*')"
    );
    assert_eq!(
        items[2].as_ref().unwrap_err().to_string(),
        "mem.sto:12: record starting here has no closing '//' (a new '# STOCKHOLM' header follows on line 15)"
    );
    assert_eq!((ok(3).id.as_deref(), ok(3).first_line, ok(3).names.len()), (Some("four"), 15, 2));
    assert_eq!(
        items[4].as_ref().unwrap_err().to_string(),
        "mem.sto:20: missing '# STOCKHOLM 1.0' header (found 'stray line')"
    );
    assert_eq!((ok(5).id.as_deref(), ok(5).first_line), (Some("five"), 21));
}

/// Text that does not start with a header is not Stockholm: one error for its first line, and
/// nothing after it is read (a large non-Stockholm file fails at once).
#[test]
fn text_that_does_not_start_with_a_header_is_one_error() {
    let text = "garbage\nmore garbage\n# STOCKHOLM 1.0\na ACDE\nb ACDF\n//\n";
    let items: Vec<_> = StockholmRecords::new(text, "mem.sto").collect();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0].as_ref().unwrap_err().to_string(),
        "mem.sto:1: missing '# STOCKHOLM 1.0' header (found 'garbage')"
    );
}

#[test]
fn record_by_record_reader_on_empty_text_and_a_missing_file() {
    let items: Vec<_> = StockholmRecords::new("\n\n", "mem.sto").collect();
    assert!(matches!(items[..], [Err(ProteinError::NoRecords { .. })]), "{items:?}");
    let err = StockholmFile::open(&fixture("no_such_file.sto")).unwrap_err();
    assert!(err.to_string().contains("no_such_file.sto: cannot read: "), "{err}");
}

// ---- syntax rules --------------------------------------------------------------------

fn parse(text: &str) -> Result<Vec<satool_protein::Alignment>, ProteinError> {
    parse_stockholm(text, "mem.sto")
}

#[test]
fn interleaved_blocks_annotations_case_and_crlf() {
    let text = "# STOCKHOLM 1.0\r\n#=GF ID  Tiny\r\n#=GF AC  PF99999.1\r\n\r\n\
                #=GS a/1-8 AC X1\r\n\
                a/1-8      ACde.\r\n\
                sp|P1|b    MK~-N\r\n\
                #=GR a/1-8 SS  HHHH.\r\n\
                #=GC SS_cons    HHHH.\r\n\
                \r\n\
                a/1-8      FGHI\r\n\
                sp|P1|b    *W.Y\r\n\
                //\r\n";
    let recs = parse(text).unwrap();
    let a = &recs[0];
    assert_eq!(a.id.as_deref(), Some("Tiny"));
    assert_eq!(a.accession.as_deref(), Some("PF99999.1"));
    assert_eq!(a.names, vec!["a/1-8", "sp|P1|b"]);
    assert_eq!(a.rows[0], b"ACDE.FGHI".to_vec(), "lowercase is uppercased, blocks appended");
    assert_eq!(a.rows[1], b"MK~-N*W.Y".to_vec());
}

#[test]
fn several_records_in_order() {
    let text = "# STOCKHOLM 1.0\n#=GF ID one\nx ACDE\ny ACDF\n//\n\n# STOCKHOLM 1.0\nz KLMN\nw KLMP\n//\n";
    let recs = parse(text).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].id.as_deref(), Some("one"));
    assert_eq!(recs[1].id, None);
    assert_eq!(recs[1].first_line, 7);
    assert_eq!(recs[1].names, vec!["z", "w"]);
    assert_eq!(recs[1].label(), "at line 7");
}

#[test]
fn missing_header() {
    let err = parse("\n# not stockholm\nx ACDE\n//\n").unwrap_err();
    assert!(matches!(err, ProteinError::MissingHeader { line: 2, .. }), "{err:?}");
    assert_eq!(err.to_string(), "mem.sto:2: missing '# STOCKHOLM 1.0' header (found '# not stockholm')");
    // Content after a record's '//' needs its own header too.
    let err = parse("# STOCKHOLM 1.0\nx ACDE\ny ACDE\n//\nz ACDE\n").unwrap_err();
    assert!(matches!(err, ProteinError::MissingHeader { line: 5, .. }), "{err:?}");
}

#[test]
fn record_without_terminator() {
    let err = parse("# STOCKHOLM 1.0\nx ACDE\ny ACDE\n").unwrap_err();
    assert_eq!(err.to_string(), "mem.sto:1: record starting here has no closing '//' (end of file reached)");
    let err = parse("# STOCKHOLM 1.0\nx ACDE\n# STOCKHOLM 1.0\ny ACDE\n//\n").unwrap_err();
    assert!(err.to_string().contains("a new '# STOCKHOLM' header follows on line 3"), "{err}");
}

#[test]
fn empty_record_and_empty_file() {
    let err = parse("# STOCKHOLM 1.0\n#=GF ID e\n//\n").unwrap_err();
    assert_eq!(err.to_string(), "mem.sto:3: empty record: no sequence lines before '//'");
    let err = parse("\n\n").unwrap_err();
    assert!(matches!(err, ProteinError::NoRecords { .. }), "{err:?}");
}

#[test]
fn unequal_rows_name_both() {
    let err = parse("# STOCKHOLM 1.0\nalpha ACDE\nbeta  ACD\n//\n").unwrap_err();
    assert_eq!(err.to_string(), "mem.sto:3: rows of unequal length: 'alpha' has 4 columns but 'beta' has 3");
    // A row missing from the second block is caught the same way.
    let err = parse("# STOCKHOLM 1.0\na AC\nb AC\n\na DE\n//\n").unwrap_err();
    assert!(matches!(err, ProteinError::UnequalRows { ref name_b, len_b: 2, .. } if name_b == "b"), "{err:?}");
}

#[test]
fn duplicate_within_block_but_not_across_blocks() {
    let err = parse("# STOCKHOLM 1.0\na AC\nb AC\na AC\n//\n").unwrap_err();
    assert_eq!(err.to_string(), "mem.sto:4: duplicated sequence name 'a' (already used on line 2 of the same block)");
    assert!(parse("# STOCKHOLM 1.0\na AC\nb AC\n\na DE\nb DE\n//\n").is_ok());
}

#[test]
fn bad_characters_are_named() {
    let err = parse("# STOCKHOLM 1.0\na AC\nb A1\n//\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "mem.sto:3: invalid character '1' in sequence 'b' (allowed: letters, gaps '.', '-', '~', and '*')"
    );
    let err = parse("# STOCKHOLM 1.0\na AC\nb A C\n//\n").unwrap_err();
    assert!(err.to_string().starts_with("mem.sto:3: sequence line for 'b' has 3 fields"), "{err}");
    let err = parse("# STOCKHOLM 1.0\na\n//\n").unwrap_err();
    assert!(err.to_string().starts_with("mem.sto:2: sequence line 'a' has a name but no residues"), "{err}");
}

#[test]
fn nucleotide_rule_is_a_share_not_a_single_letter() {
    // 9 of 10 letters in ACGTUN → rejected; 8 of 10 → accepted as protein.
    let dna = parse("# STOCKHOLM 1.0\na ACGTA\nb UNGCW\n//\n").unwrap_err();
    assert!(matches!(dna, ProteinError::NucleotideAlphabet { percent, .. } if (percent - 90.0).abs() < 1e-9));
    assert!(parse("# STOCKHOLM 1.0\na ACGTA\nb UNGWW\n//\n").is_ok());
}

#[test]
fn gzip_input_is_detected_by_magic_bytes() {
    let plain = std::fs::read(fixture("PF00076.sto")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed_without_gz_suffix.sto");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    std::fs::write(&path, enc.finish().unwrap()).unwrap();
    let from_gz = read_stockholm(&path).unwrap();
    let mut from_plain = read_stockholm(&fixture("PF00076.sto")).unwrap();
    from_plain[0].source = from_gz[0].source.clone();
    assert_eq!(from_gz, from_plain);
}

#[test]
fn byte_order_mark_is_ignored_and_bad_gzip_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.sto");
    std::fs::write(&path, "\u{feff}# STOCKHOLM 1.0\r\na ACDE\r\nb AC-E\r\n//\r\n").unwrap();
    assert_eq!(read_stockholm(&path).unwrap()[0].names, ["a", "b"]);
    std::fs::write(&path, [0x1f, 0x8b, 0x08, 0x00]).unwrap();
    let err = read_stockholm(&path).unwrap_err();
    assert!(err.to_string().contains("bom.sto: cannot decompress gzip input: "), "{err}");
}

#[test]
fn missing_file_names_the_path() {
    let err = read_stockholm(&fixture("no_such_file.sto")).unwrap_err();
    assert!(err.to_string().contains("no_such_file.sto: cannot read: "), "{err}");
}

#[test]
fn write_then_read_round_trip() {
    let recs = read_stockholm(&fixture("stockholm/LuxC_multiblock.sto")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.sto");
    write_stockholm(&recs[0], &path).unwrap();
    let back = read_stockholm(&path).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].names, recs[0].names);
    assert_eq!(back[0].rows, recs[0].rows);
    assert_eq!(back[0].id, recs[0].id);
    assert_eq!(back[0].accession, recs[0].accession);
}

/// A sequence name longer than a format width may be (u16::MAX) is written, not a panic
/// (hmmbuild's input for a record with a 65,534-character name).
#[test]
fn write_handles_very_long_names() {
    let mut rec = read_stockholm(&fixture("stockholm/LuxC_multiblock.sto")).unwrap().remove(0);
    rec.names[0] = "N".repeat(70_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.sto");
    write_stockholm(&rec, &path).unwrap();
    let back = read_stockholm(&path).unwrap();
    assert_eq!((&back[0].names, &back[0].rows), (&rec.names, &rec.rows));
}

/// A name starting with '#' would be read back as markup (hmmbuild drops the row silently):
/// writing refuses it with the name and the reason.
#[test]
fn write_refuses_names_that_readers_take_for_markup() {
    let mut rec = read_stockholm(&fixture("stockholm/LuxC_multiblock.sto")).unwrap().remove(0);
    rec.names[1] = "#hidden".into();
    let dir = tempfile::tempdir().unwrap();
    let err = write_stockholm(&rec, &dir.path().join("hash.sto")).unwrap_err().to_string();
    assert!(err.contains("hash.sto: sequence name '#hidden' starts with '#'"), "{err}");
    assert!(!dir.path().join("hash.sto").exists());
    rec.names[1] = "//x".into();
    let err = write_stockholm(&rec, &dir.path().join("end.sto")).unwrap_err().to_string();
    assert!(err.contains("end.sto: sequence name '//x' starts with '//'"), "{err}");
    assert!(!dir.path().join("end.sto").exists());
}

/// A broken record is still named: its ID and AC (annotation lines after the error included)
/// are known through `last_names`, so `--all-families` can show them on its failed row.
#[test]
fn broken_records_keep_their_names() {
    let text = "# STOCKHOLM 1.0\n#=GF ID Good\n#=GF AC PF1.1\ns1 ACDE\ns2 ACDF\n//\n\
                # STOCKHOLM 1.0\n#=GF ID Bad\ns1 AC!E\n#=GF AC PF2.1\n//\n\
                # STOCKHOLM 1.0\n#=GF ID Rna\n#=GF AC RF3.1\ns1 ACGU\ns2 ACGU\n//\n\
                stray line\n\
                # STOCKHOLM 1.0\n#=GF ID Cut\ns1 ACDE\n";
    let mut recs = StockholmRecords::new(text, "t.sto");
    let mut seen = Vec::new();
    while let Some(r) = recs.next() {
        let (id, ac) = recs.last_names();
        seen.push((r.is_ok(), id.map(str::to_string), ac.map(str::to_string)));
    }
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        seen,
        [
            (true, s("Good"), s("PF1.1")),
            (false, s("Bad"), s("PF2.1")),
            (false, s("Rna"), s("RF3.1")),
            (false, None, None),
            (false, s("Cut"), None),
        ]
    );
}

// ---- record spans: reading a record again from its byte range --------------------------

/// Every item of `text`, re-read from its span alone (with its first line number), is the item
/// the whole-file reader gave: the same record, or the same error on the same line.
fn assert_spans_reread(text: &str, source: &str) -> usize {
    let mut reader = StockholmRecords::new(text, source);
    let mut n = 0;
    while let Some(item) = reader.next() {
        let span = reader.last_span();
        let cut = &text[span.offset as usize..(span.offset + span.length) as usize];
        let again = StockholmRecords::starting_at_line(cut, source, span.first_line).next().expect("one item");
        match (&item, &again) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "record {n}"),
            // The same error on the same line; only why a record is unterminated (the next header,
            // or the end of the cut) may differ.
            (Err(a), Err(b)) => {
                let (a, b) = (a.to_string(), b.to_string());
                assert_eq!(a.split(" (").next(), b.split(" (").next(), "record {n}");
            }
            _ => panic!("record {n}: {item:?} re-read as {again:?}"),
        }
        n += 1;
    }
    n
}

#[test]
fn each_record_reads_again_from_its_span() {
    let text = std::fs::read_to_string(fixture("multi_family.sto")).unwrap();
    assert_eq!(assert_spans_reread(&text, "m.sto"), 12);
    // CRLF endings, blank lines between records, a last line without newline.
    let crlf = format!("{}\r\n\r\n", text.trim_end().replace('\n', "\r\n"));
    assert_eq!(assert_spans_reread(&crlf, "m.sto"), 12);
    let unterminated = "# STOCKHOLM 1.0\na ACDE\nb ACDF\n//\n\n# STOCKHOLM 1.0\na AC\n# STOCKHOLM 1.0\nc WW\nd WY\n//";
    assert_eq!(assert_spans_reread(unterminated, "u.sto"), 3);
}

/// A file's spans are file offsets: the plain file cut at them gives each record again, and the
/// spans of the file read through gzip are the same (offsets in the decompressed text).
#[test]
fn file_spans_are_file_offsets() {
    let path = fixture("multi_family.sto");
    let bytes = std::fs::read(&path).unwrap();
    let spans = |p: &std::path::Path| {
        let mut reader = StockholmFile::open(p).unwrap().records();
        let mut spans = Vec::new();
        while reader.next().is_some() {
            spans.push(reader.last_span());
        }
        spans
    };
    let plain = spans(&path);
    assert_eq!(plain.len(), 12);
    assert_eq!(plain[0].offset, 0);
    assert_eq!(plain.last().map(|s| s.offset + s.length), Some(bytes.len() as u64));
    let whole = read_stockholm_items(&path);
    for (i, s) in plain.iter().enumerate() {
        let cut = std::str::from_utf8(&bytes[s.offset as usize..(s.offset + s.length) as usize]).unwrap();
        assert!(cut.starts_with("# STOCKHOLM 1.0"), "record {i}");
        let again = StockholmRecords::starting_at_line(cut, &path.display().to_string(), s.first_line).next().unwrap();
        assert_eq!(format!("{again:?}"), whole[i], "record {i}");
    }
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("m.sto.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(&bytes).unwrap();
    enc.finish().unwrap();
    assert_eq!(spans(&gz), plain);
}

fn read_stockholm_items(path: &std::path::Path) -> Vec<String> {
    StockholmFile::open(path).unwrap().records().map(|r| format!("{r:?}")).collect()
}
