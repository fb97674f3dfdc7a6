//! The World: every hosted party answers with valid documents, keys follow the seed, a
//! launched target gets what it needs, and shutting down leaves nothing listening.

use aauth_harness::clock::Clock;
use aauth_harness::jose::jwks::Jwks;
use aauth_harness::profile::Profile;
use aauth_harness::role::flaw::Flaws;
use aauth_harness::role::Role;
use aauth_harness::wire::metadata::{check_issuer, well_known_url};
use aauth_harness::world::{
    OddProvider, Party, PolicyAccessServer, World, WorldConfig, WorldError, TRUSTED_ENV,
};

const NOW: i64 = 1_730_217_600;

async fn world(seed: u64, profile: Profile) -> World {
    World::start(WorldConfig::new(seed, profile, Clock::fixed(NOW)))
        .await
        .expect("world starts")
}

async fn jwks_of(world: &World, identifier: &str, dwk: &str) -> Jwks {
    let client = world.client();
    let meta = client
        .get(&well_known_url(identifier, dwk))
        .await
        .expect("metadata answers");
    assert_eq!(meta.status, 200, "{identifier}");
    assert_eq!(
        check_issuer(&meta.body, identifier).as_deref(),
        Ok(identifier),
        "{identifier} names itself"
    );
    let uri = meta.body_json().expect("json")["jwks_uri"]
        .as_str()
        .expect("jwks_uri")
        .to_string();
    let keys = client.get(&uri).await.expect("jwks answers");
    Jwks::parse(&String::from_utf8_lossy(&keys.body)).expect("a JWKS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_party_including_the_evil_twins_publishes_valid_metadata_and_keys() {
    for profile in [Profile::Aauth11, Profile::Aauth10] {
        let world = world(3, profile).await;
        for party in Party::ALL {
            let jwks = jwks_of(&world, &party.identifier(), party.dwk()).await;
            let members: Vec<_> = jwks.jwks().collect();
            assert!(!members.is_empty(), "{party:?}");
            for jwk in members {
                assert!(
                    jwk.alg().is_some() && jwk.kid().is_some(),
                    "{party:?} {jwk:?}"
                );
            }
        }
        assert_eq!(
            world.trusted_identifiers()[..3],
            [
                "https://ap.harness.test",
                "https://ps.harness.test",
                "https://as.harness.test"
            ]
        );
        assert_eq!(
            world.trusted_identifiers().len(),
            3 + OddProvider::ALL.len() + PolicyAccessServer::ALL.len()
        );
        world.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_follow_the_seed() {
    let a = world(5, Profile::Aauth11).await;
    let b = world(5, Profile::Aauth11).await;
    let c = world(6, Profile::Aauth11).await;
    for party in [Party::AgentProvider, Party::PersonServer, Party::Resource] {
        let ka = jwks_of(&a, &party.identifier(), party.dwk()).await;
        let kb = jwks_of(&b, &party.identifier(), party.dwk()).await;
        let kc = jwks_of(&c, &party.identifier(), party.dwk()).await;
        assert_eq!(ka, kb, "{party:?}");
        assert_ne!(ka, kc, "{party:?}");
    }
    assert_ne!(
        a.issuer(Party::PersonServer).key.public_key(),
        a.issuer(Party::EvilPersonServer).key.public_key()
    );
    for w in [a, b, c] {
        w.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launched_target_gets_routes_ca_and_the_trusted_list() {
    let world = world(1, Profile::Aauth11).await;
    let env = world.launch_env(false);
    let get = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(get(TRUSTED_ENV)
        .starts_with("https://ap.harness.test,https://ps.harness.test,https://as.harness.test,"));
    assert!(get(TRUSTED_ENV).contains("https://ap-noalg.harness.test"));
    let routes = get("AAUTH_HARNESS_ROUTES");
    for party in Party::ALL {
        assert!(routes.contains(&party.identifier()), "{routes}");
    }
    assert!(std::path::Path::new(&get("AAUTH_HARNESS_CA")).exists());
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_targets_are_served_under_their_own_names() {
    let world = world(1, Profile::Aauth11).await;
    for (role, dwk) in [
        (Role::Resource, "aauth-resource.json"),
        (Role::AgentProvider, "aauth-agent.json"),
        (Role::PersonServer, "aauth-person.json"),
        (Role::AccessServer, "aauth-access.json"),
    ] {
        let (identifier, address) = world.serve_target(role, Flaws::none()).expect("served");
        assert_eq!(identifier, format!("https://target-{role}.harness.test"));
        assert!(address.ip().is_loopback());
        jwks_of(&world, &identifier, dwk).await;
    }
    assert!(matches!(
        world.serve_target(Role::Agent, Flaws::none()),
        Err(WorldError::NotServable(Role::Agent))
    ));
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_leaves_nothing_listening() {
    let world = world(1, Profile::Aauth11).await;
    world
        .serve_target(Role::Resource, Flaws::none())
        .expect("served");
    let mut addresses: Vec<_> = Party::ALL
        .into_iter()
        .filter_map(|p| world.host().address_of(p.name()))
        .collect();
    addresses.extend(world.host().address_of("target-resource"));
    addresses.push(world.host().tls_addr());
    addresses.push(world.host().proxy_addr());
    assert_eq!(addresses.len(), Party::ALL.len() + 3);
    let ca = world.host().ca_file().to_path_buf();
    for a in &addresses {
        assert!(
            tokio::net::TcpStream::connect(a).await.is_ok(),
            "{a} listens"
        );
    }
    world.shutdown().await;
    for a in &addresses {
        assert!(
            tokio::net::TcpStream::connect(a).await.is_err(),
            "{a} still listens"
        );
    }
    assert!(!ca.exists(), "CA file left behind");
}

#[test]
fn the_world_and_its_roles_can_be_shared_across_tasks() {
    fn shared<T: Send + Sync>() {}
    fn sendable<T: Send>(_: &T) {}
    shared::<World>();
    shared::<aauth_harness::role::resource::Resource>();
    shared::<aauth_harness::role::agent_provider::AgentProvider>();
    shared::<aauth_harness::role::agent::HarnessAgent>();
    shared::<aauth_harness::role::agent::AgentFlow>();
    // The flow's future can be spawned.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let world = world(1, Profile::Aauth11).await;
        let agent = world.new_agent(&aauth_harness::jose::Alg::ED25519);
        let mut flow = world.flow(&agent);
        let call = flow.call(
            "https://resource.harness.test",
            aauth_harness::message::Request::new("GET", "https", "resource.harness.test", "/"),
        );
        sendable(&call);
        drop(call);
        world.shutdown().await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_providers_serve_their_one_odd_document() {
    let world = world(5, Profile::Aauth11).await;
    let client = world.client();
    let meta = |which: OddProvider| well_known_url(&which.identifier(), "aauth-agent.json");
    for which in [OddProvider::ExtraKeys, OddProvider::FloodResource] {
        let jwks = jwks_of(&world, &which.identifier(), "aauth-agent.json").await;
        assert!(jwks.jwks().count() >= 2, "{which:?}");
    }
    let no_issuer = client
        .get(&meta(OddProvider::NoIssuer))
        .await
        .expect("answers");
    assert!(no_issuer.body_json().expect("json").get("issuer").is_none());
    let wrong = client
        .get(&meta(OddProvider::WrongIssuer))
        .await
        .expect("answers");
    assert!(check_issuer(&wrong.body, &OddProvider::WrongIssuer.identifier()).is_err());
    let redirect = client
        .get(&meta(OddProvider::Redirecting))
        .await
        .expect("answers");
    assert_eq!(redirect.status, 302);
    let dual = OddProvider::DualRole.identifier();
    let as_person = jwks_of(&world, &dual, "aauth-person.json").await;
    let as_agent = jwks_of(&world, &dual, "aauth-agent.json").await;
    assert_eq!(as_person, as_agent);
    let no_alg = client
        .get(&format!(
            "{}/.well-known/jwks.json",
            OddProvider::NoAlg.identifier()
        ))
        .await
        .expect("answers");
    assert!(!String::from_utf8_lossy(&no_alg.body).contains("\"alg\""));
    world.shutdown().await;
}
