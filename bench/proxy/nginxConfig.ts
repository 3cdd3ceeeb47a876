/**
 * nginx as the baseline: proxy_pass with upstream keepalive, one worker per core, no logging.
 * TLS 1.3 is switched on because Debian's nginx 1.22 offers only up to TLS 1.2 by default (1.3
 * came into the default in 1.23.4) while pier negotiates 1.3: without it the TLS rows compared two
 * different protocols (wrk then got ECDHE-RSA-AES256-GCM-SHA384 over 1.2 from nginx and
 * TLS_AES_256_GCM_SHA384 over 1.3 from pier).
 */
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
    ssl_protocols TLSv1.2 TLSv1.3;
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
