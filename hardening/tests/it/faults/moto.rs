//! A smaller run of every scenario over DynamoDB, S3 and KMS on the emulator (one request at a
//! time there, so fifty records instead of ten thousand).

use super::rig::Rig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_moto_under_faults_every_scenario_keeps_what_it_acknowledged() {
    let rig = Rig::on_moto("moto import").await;
    super::import::import(&rig, 50).await;
    let rig = Rig::on_moto("moto identity").await;
    super::identity::burst(&rig, 12).await;
    let rig = Rig::on_moto("moto refresh").await;
    super::refresh::refreshes(&rig, 4, 2, 3).await;
    let rig = Rig::on_moto("moto keys").await;
    super::keys::rotations(&rig, 2, 3, 2).await;
}
