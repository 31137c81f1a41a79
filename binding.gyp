{
  "targets": [
    {
      "target_name": "vipd_net",
      "sources": ["native/vipd_net.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "libraries": ["-ldl"]
    }
  ]
}
