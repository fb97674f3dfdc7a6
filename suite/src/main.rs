fn main() {
    println!("aauth-conform: not yet wired");
}
