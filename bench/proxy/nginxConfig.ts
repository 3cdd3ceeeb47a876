/** nginx as the baseline: proxy_pass with upstream keepalive, one worker per core, no logging. */
export function nginxConfig(o: {
  dir: string;
  workers: number;
  httpPort: number;
  httpsPort: number;
  upstreamPort: number;
  cert: string;
  key: string;
}): string {
  return `worker_processes ${o.workers};
daemon off;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${o.dir}/body;
  proxy_temp_path ${o.dir}/proxy;
  fastcgi_temp_path ${o.dir}/fastcgi;
  uwsgi_temp_path ${o.dir}/uwsgi;
  scgi_temp_path ${o.dir}/scgi;
  upstream app { server 127.0.0.1:${o.upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${o.httpPort} reuseport;
    listen 127.0.0.1:${o.httpsPort} ssl reuseport;
    ssl_certificate ${o.cert};
    ssl_certificate_key ${o.key};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
}
